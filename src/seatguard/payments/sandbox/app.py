"""Build the sandbox gateway's ASGI app."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.payments.sandbox import api, page
from seatguard.payments.sandbox.core import Sandbox
from seatguard.payments.sandbox.delivery import WebhookDispatcher
from seatguard.payments.sandbox.errors import SandboxError
from seatguard.payments.sandbox.eventlog import EventLog
from seatguard.payments.sandbox.store import SandboxStore


def create_sandbox_app(
    *,
    db: Database,
    public_base_url: str,
    webhook_url: str,
    webhook_secret: str,
    api_key: str | None = None,
    clock: Clock = system_clock,
    max_attempts: int = 6,
    first_retry_delay: float = 0.5,
    webhook_client: httpx.Client | None = None,
) -> FastAPI:
    """A Stripe-compatible test gateway. ``public_base_url`` is where this app is reachable
    (hosted pages live at ``{public_base_url}/pay/{session_id}``); events go to ``webhook_url``.
    Its state lives in ``db`` (the ``sandbox_*`` tables), shared by every process using it.
    The sandbox is reachable as ``app.state.sandbox`` (a ``Sandbox``); call its ``close()``
    to stop the webhook thread (``db`` stays the caller's)."""
    store = SandboxStore(db=db, pay_base_url=public_base_url)
    events = EventLog(db)

    def now() -> int:
        return int(clock().timestamp())

    dispatcher = WebhookDispatcher(
        store,
        events,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        now=now,
        max_attempts=max_attempts,
        first_delay=first_retry_delay,
        client=webhook_client,
    )
    app = FastAPI(
        title="SeatGuard payment sandbox",
        description="A Stripe-compatible test gateway: test cards only, no real money.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sandbox = Sandbox(
        store=store, events=events, dispatcher=dispatcher, clock=clock, api_key=api_key
    )

    @app.exception_handler(SandboxError)
    async def _stripe_error(_request: Request, exc: SandboxError) -> JSONResponse:
        return api.stripe_response(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        param = str(first.get("loc", ["", ""])[-1])
        error = SandboxError(f"Invalid {param}: {first.get('msg', 'invalid value')}", param=param)
        return api.stripe_response(error.body(), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = (
            f"Unrecognized request URL ({request.method}: {request.url.path})."
            if exc.status_code in (404, 405)
            else str(exc.detail)
        )
        return api.stripe_response(SandboxError(message).body(), status_code=exc.status_code)

    app.include_router(api.router)
    app.include_router(page.router)
    return app
