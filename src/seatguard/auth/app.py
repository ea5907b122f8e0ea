"""The auth service alone (``seatguard auth``): users, login, keys and health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from seatguard import __version__
from seatguard.app import BodySizeLimit
from seatguard.auth.passwords import Passwords
from seatguard.auth.routes import install_auth
from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.common.errors import error_body, install_error_handlers
from seatguard.common.health import router as health_router
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
            if db is None:
                database.dispose()

    app = FastAPI(
        title="SeatGuard auth",
        version=__version__,
        description="Accounts, login and the tokens the other SeatGuard services trust.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock
    if passwords is not None:
        app.state.passwords = passwords

    install_error_handlers(app)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _db_down(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return JSONResponse(
            error_body("database_unavailable", "The database is unavailable; try again shortly."),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Internal-Secret"],
        )
    app.include_router(health_router)
    install_auth(app, db=database)
    return app
