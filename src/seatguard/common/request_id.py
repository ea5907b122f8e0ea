"""Every HTTP request's edge: its ``X-Request-ID`` (the caller's, or a new one), echoed and
logged with, and its count, time and access log line (``metrics.record_request``)."""

from __future__ import annotations

import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatguard.common.logging import new_request_id, request_id_var
from seatguard.common.metrics import record_request, route_template

HEADER = "X-Request-ID"
_RAW_HEADER = HEADER.lower().encode()
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def accept_request_id(value: str | None) -> str:
    """The caller's id when it is short and plain; a fresh one otherwise (no log injection)."""
    if value is not None and _ACCEPTABLE.fullmatch(value):
        return value
    return new_request_id()


class RequestEdge:
    """Pure ASGI and outermost, so the id is set for everything below it (streaming responses
    included) and the time covers the whole response. One layer, one wrapper of ``send`` and
    one look at the headers per request: it runs for every hold."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = dict(scope["headers"]).get(_RAW_HEADER)
        request_id = accept_request_id(raw.decode("latin-1") if raw is not None else None)
        echoed = (_RAW_HEADER, request_id.encode("latin-1"))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = message.get("headers") or []
                message["headers"] = [
                    *(h for h in headers if bytes(h[0]).lower() != _RAW_HEADER),
                    echoed,
                ]
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            try:
                record_request(
                    scope["method"],
                    route_template(scope),
                    status,
                    time.perf_counter() - started,
                    scope.get("path", ""),
                )
            finally:
                request_id_var.reset(token)
