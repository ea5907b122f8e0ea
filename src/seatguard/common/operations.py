"""What every SeatGuard HTTP app carries for operators: request ids, metrics, readiness."""

from __future__ import annotations

from fastapi import FastAPI

from seatguard.common.metrics import router as metrics_router
from seatguard.common.ready import router as ready_router
from seatguard.common.request_id import RequestEdge


def install_operations(app: FastAPI) -> None:
    """Add ``/metrics`` and ``/ready``; time every request and give it an ``X-Request-ID``.

    Call it after the app's other middleware so this one wraps everything (the request id
    is then set for every log line, and the latency covers the whole response).
    """
    app.include_router(metrics_router)
    app.include_router(ready_router)
    app.add_middleware(RequestEdge)
