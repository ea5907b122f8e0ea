"""The auth service alone (``seatguard auth``): users, login, keys and health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from seatguard import __version__
from seatguard.auth.passwords import Passwords
from seatguard.auth.routes import install_auth
from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.common.http import install_common
from seatguard.common.ready import auth_tree
from seatguard.settings import Settings

log = logging.getLogger("seatguard.auth")


def create_auth_app(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock = system_clock,
    passwords: Passwords | None = None,
) -> FastAPI:
    database = db or Database(settings.auth_db_url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await _app.state.standings.aclose()
            if db is None:
                database.dispose()

    app = FastAPIOffline(  # /docs and /redoc from bundled assets, no CDN
        title="SeatGuard auth",
        version=__version__,
        description="Accounts, login and the tokens the other SeatGuard services trust.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock
    app.state.migration_trees = [auth_tree(database)]
    if passwords is not None:
        app.state.passwords = passwords

    install_common(app, settings, methods=["GET", "POST"])
    install_auth(app, db=database)
    return app
