"""What every SeatGuard HTTP app shares: error bodies, body limit, CORS, health, operations."""

from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatguard.common.errors import error_body, install_error_handlers
from seatguard.common.health import router as health_router
from seatguard.common.operations import install_operations
from seatguard.settings import Settings

log = logging.getLogger("seatguard")


# Uploads that may be larger than other bodies, by the end of their path.
UPLOAD_LIMITS = {"/poster": 8_000_000}
_UPLOAD_SUFFIXES = tuple(UPLOAD_LIMITS)


class BodySizeLimit:
    """413 for bodies over ``max_bytes``: at once when ``Content-Length`` says so, and while
    reading when a chunked body grows past it. Pure ASGI (no task or stream wrapper per
    request, as ``BaseHTTPMiddleware`` would add). Paths ending as in ``UPLOAD_LIMITS`` have
    their own, larger limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.message = f"Bodies are limited to {max_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, refusal = self.max_bytes, self.message
        if scope["path"].endswith(_UPLOAD_SUFFIXES):  # one test for the usual request
            for suffix, upload_limit in UPLOAD_LIMITS.items():
                if scope["path"].endswith(suffix):
                    limit, refusal = upload_limit, f"Uploads are limited to {upload_limit} bytes."
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                answer = JSONResponse(error_body("payload_too_large", refusal), 413)
                await answer(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # an HTTPException, which FastAPI's body parsing lets through
                    raise HTTPException(413, refusal)
            return message

        await self.app(scope, counting_receive, send)


def _database_unavailable() -> JSONResponse:
    return JSONResponse(
        error_body("database_unavailable", "The database is unavailable; try again shortly."),
        status_code=503,
        headers={"Retry-After": "1"},
    )


def install_common(app: FastAPI, settings: Settings, *, methods: list[str]) -> None:
    """Errors as JSON (a lost database is a 503), body limit, CORS, ``/health`` and operations."""
    install_error_handlers(app)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _db_down(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return _database_unavailable()

    @app.exception_handler(DBAPIError)
    async def _db_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            log.warning("database connection lost")
            return _database_unavailable()
        log.exception("database error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side."), status_code=500
        )

    @app.exception_handler(psycopg.OperationalError)
    async def _pg_down(_request: Request, exc: psycopg.OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return _database_unavailable()

    @app.exception_handler(psycopg.DataError)
    async def _pg_unstorable(_request: Request, exc: psycopg.DataError) -> JSONResponse:
        log.info("database refused a value: %s", exc.__class__.__name__)
        return JSONResponse(
            error_body("invalid_value", "The request holds a value that cannot be stored."),
            status_code=422,
        )

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=[*methods, "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Internal-Secret"],
            expose_headers=["X-Total-Count", "X-Request-ID"],
        )
    install_operations(app)
    app.include_router(health_router)
