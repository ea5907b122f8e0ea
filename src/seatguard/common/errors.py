"""One error type with stable codes, turned into JSON responses in one place.

The error types are imported by processes that serve no HTTP (the worker, the CLI's chores):
FastAPI and the request's language are imported only by what turns an error into a response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from seatguard.common.error_texts import localise

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from starlette.responses import Response

log = logging.getLogger("seatguard")


class AppError(Exception):
    """A failure the caller can act on: ``code`` is stable, ``message`` is for people."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.details = details


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class Invalid(AppError):
    status_code = 422
    code = "validation_error"


class Unavailable(AppError):
    status_code = 503
    code = "unavailable"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        out.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


# Renders an error as an HTML page for a browser's navigation (installed by the web pages).
ErrorPage = Callable[["Request", int, str], "Response"]
_NOT_PAGES = ("/api/", "/auth/", "/.well-known/", "/metrics", "/static/")


def error_page_for(request: Request) -> ErrorPage | None:
    """The HTML error page renderer when a browser navigated to a page; else None (JSON)."""
    renderer: ErrorPage | None = getattr(request.app.state, "error_page", None)
    if renderer is None or request.method not in ("GET", "HEAD"):
        return None
    if request.url.path.startswith(_NOT_PAGES):
        return None
    return renderer if "text/html" in request.headers.get("accept", "") else None


def error_response(
    request: Request,
    status_code: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    """The JSON error body, or the same error as a page for a browser on a page route.

    The ``message`` is put in the request's language; the ``error`` code stays as it is.
    """
    from fastapi.responses import JSONResponse

    body = localised_body(request, body)
    page = error_page_for(request)
    if page is not None:
        return page(request, status_code, str(body.get("message", "")))
    return JSONResponse(body, status_code=status_code, headers=headers)


def localised_body(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from seatguard.common.request_language import request_language

    language = request_language(request)
    message = localise(
        str(body.get("error", "")), str(body.get("message", "")), body.get("details"), language
    )
    return {**body, "message": message}


def install_error_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import DataError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:  # 429 and 503 errors that know when to come back
            headers = {"Retry-After": str(retry_after)}
        return error_response(
            request,
            exc.status_code,
            error_body(exc.code, exc.message, exc.details),
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = _jsonable_errors(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            body = error_body("malformed_json", "The request body is not valid JSON.", errors)
            return JSONResponse(localised_body(request, body), status_code=400)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(p for p in first["loc"] if p not in ("body", "query", "path"))
        message = f"{where}: {first['msg']}" if where else str(first["msg"])
        return error_response(request, 422, error_body("validation_error", message, errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(
            request,
            exc.status_code,
            error_body(code, str(exc.detail)),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses as data (e.g. a NUL byte in PostgreSQL text): bad input.
        log.info("database refused a value: %s", exc.orig.__class__.__name__)
        body = error_body("invalid_value", "The request holds a value that cannot be stored.")
        return JSONResponse(localised_body(request, body), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return error_response(
            request, 500, error_body("internal_error", "Something went wrong on our side.")
        )
