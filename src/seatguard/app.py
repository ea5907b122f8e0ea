"""The ASGI application: every service that exists, mounted on one port."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from seatguard import __version__
from seatguard.admin.order_routes import router as admin_order_router
from seatguard.admin.pages import invite_router
from seatguard.admin.pages import router as admin_pages
from seatguard.admin.posters import MOUNT
from seatguard.admin.routes import poster_router
from seatguard.admin.routes import router as admin_router
from seatguard.admin.team_routes import router as team_router
from seatguard.auth.deps import open_auth_database
from seatguard.auth.routes import install_auth
from seatguard.booking import live, sweeper
from seatguard.booking.event_state_routes import router as event_state_router
from seatguard.booking.order_routes import router as order_router
from seatguard.booking.routes import hot_router
from seatguard.booking.routes import router as booking_router
from seatguard.booking.seat_store import seat_store_for
from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.common.health import router as health_router
from seatguard.common.http import install_common
from seatguard.common.ready import auth_tree, booking_tree
from seatguard.payments.gateway import PaymentGateway
from seatguard.payments.routes import router as payments_router
from seatguard.queue.base import Queue
from seatguard.queue.relay import start_relay
from seatguard.runtime import Services, build_services, freeze_startup_heap
from seatguard.settings import Settings
from seatguard.tickets.routes import router as tickets_router
from seatguard.waitlist.routes import router as waitlist_router
from seatguard.web import install_web

log = logging.getLogger("seatguard")

API_PREFIX = "/api/v1"


def start_background(services: Services, stop: threading.Event) -> list[threading.Thread]:
    """The sweeper and the worker as daemon threads of this process (``seatguard serve``)."""
    from seatguard.worker.handlers import build_handlers, sweep_steps
    from seatguard.worker.runner import run_worker

    def sweep() -> None:
        sweeper.run_forever(
            services.db,
            services.clock,
            interval=services.settings.sweep_interval_seconds,
            stop=stop,
            steps=sweep_steps(services),
        )

    def work() -> None:
        run_worker(services.queue, build_handlers(services), stop=stop)

    threads = [
        threading.Thread(target=sweep, name="sweeper", daemon=True),
        threading.Thread(target=work, name="worker", daemon=True),
    ]
    for thread in threads:
        thread.start()
    return threads


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock = system_clock,
    background: bool = False,
    gateway: PaymentGateway | None = None,
    queue: Queue | None = None,
    serving: bool = False,
) -> FastAPI:
    """Build the app. ``background=True`` also runs the sweeper and the worker in-process;
    ``serving=True`` (a process that serves this app until it ends) freezes the heap its
    start-up built (``freeze_startup_heap``)."""
    database = db or Database(settings.database_url, pool_size=settings.db_pool_size)
    services = build_services(settings, db=database, clock=clock, gateway=gateway, queue=queue)
    auth_database = open_auth_database(settings, database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        threads: list[threading.Thread] = []
        if background:
            threads = start_background(services, stop)
        relay = start_relay(services.queue, stop)  # SQS: this process relays the outbox too
        threads += [relay] if relay else []
        live.feed_for(database)  # listening before the first seat map is streamed
        if serving:  # a process of its own, serving this app until it ends
            freeze_startup_heap()
        try:
            yield
        finally:
            await _app.state.seats.close()
            await _app.state.standings.aclose()
            stop.set()
            live.close_feed(database)
            for t in threads:
                t.join(timeout=10)
            if db is None:
                database.dispose()
            if auth_database is not database:
                auth_database.dispose()
            if getattr(_app.state, "sandbox", None) is not None:
                _app.state.sandbox.close()

    app = FastAPIOffline(  # /docs and /redoc from bundled assets, no CDN
        favicon_url="/static/favicon.svg",
        title="SeatGuard",
        version=__version__,
        description="Concert ticket sales with real-time seat holds that never oversell.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock
    app.state.services = services
    app.state.seats = seat_store_for(database, pool_size=settings.db_pool_size)
    app.state.migration_trees = [booking_tree(database), auth_tree(auth_database)]

    if settings.public_ticket_links:
        from seatguard.compat.env import warn_public_ticket_links

        warn_public_ticket_links(True)

    app.include_router(hot_router, prefix=API_PREFIX)  # first: matched before any other
    install_common(app, settings, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
    app.include_router(health_router, prefix=API_PREFIX)
    app.include_router(booking_router, prefix=API_PREFIX)
    app.include_router(event_state_router, prefix=API_PREFIX)
    app.include_router(order_router, prefix=API_PREFIX)
    app.include_router(payments_router, prefix=API_PREFIX)
    app.include_router(tickets_router, prefix=API_PREFIX)
    app.include_router(admin_router, prefix=API_PREFIX)
    app.include_router(admin_order_router, prefix=API_PREFIX)
    app.include_router(poster_router, prefix=API_PREFIX)
    app.include_router(team_router, prefix=API_PREFIX)
    app.include_router(waitlist_router, prefix=API_PREFIX)
    install_auth(app, db=auth_database)
    install_web(app, api_prefix=API_PREFIX)  # the buyer's pages and the live seat stream
    app.include_router(admin_pages)  # the organizer's back office
    app.include_router(invite_router)  # a new staff member chooses a password
    if not settings.poster_s3_bucket:  # uploaded posters, from disk
        app.mount(
            MOUNT, StaticFiles(directory=settings.poster_dir, check_dir=False), name="posters"
        )
    if settings.sandbox_enabled:  # the Stripe-compatible test gateway, in this process
        from seatguard.payments.factory import build_sandbox_app
        from seatguard.settings import SANDBOX_MOUNT

        sandbox_app = build_sandbox_app(settings, db=database, clock=clock)
        app.state.sandbox = sandbox_app.state.sandbox
        app.mount(SANDBOX_MOUNT, sandbox_app)
    return app


def booking_app() -> FastAPI:
    """Factory for ``seatguard booking`` (one per uvicorn worker process)."""
    from seatguard.settings import get_settings

    return create_app(get_settings(), serving=True)


def auth_app() -> FastAPI:
    """Factory for ``seatguard auth``: the auth service alone."""
    from seatguard.auth.app import create_auth_app
    from seatguard.settings import get_settings

    return create_auth_app(get_settings())
