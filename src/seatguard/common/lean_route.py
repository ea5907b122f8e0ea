"""Routes whose plain requests skip FastAPI's per-request argument work.

FastAPI reads each request's body by its content type, solves every parameter and dependency
of the route and records them for telemetry: for a hold that was a fifth of its server CPU. A
route of ``LeanRoute`` whose endpoint is marked with ``bound_by`` gets its arguments from the
marked *binder* instead: a few lines that read exactly what the route declares, for the plain
case only (a JSON body that validates, path parameters that convert). For any other request the
binder answers ``None`` and FastAPI's own handler takes the request, so every refusal (422, 400,
415 …) is FastAPI's, word for word. The endpoint's signature still documents the route in the
OpenAPI schema; only how its arguments are found changes.

A binder must accept only what FastAPI's handler would accept, and give the same values; it may
raise what the route's own dependencies raise (FastAPI solves those first, so the answer is the
same).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute

Binder = Callable[[Request], Awaitable[dict[str, Any] | None]]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[Response]])

BINDER = "__seatguard_binder__"


def bound_by(binder: Binder) -> Callable[[Endpoint], Endpoint]:
    """Mark an ``async`` endpoint (returning a ``Response``) as bound by ``binder``."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, BINDER, binder)
        return endpoint

    return mark


class LeanRoute(APIRoute):
    """An ``APIRoute`` that asks its endpoint's binder first (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        endpoint: Callable[..., Awaitable[Response]] = self.endpoint
        if not hasattr(endpoint, BINDER):
            return standard

        async def handle(request: Request) -> Response:
            binder: Binder | None = getattr(endpoint, BINDER, None)  # read here: tests lift it
            arguments = None if binder is None else await binder(request)
            if arguments is None:
                return await standard(request)
            return await endpoint(**arguments)

        return handle
