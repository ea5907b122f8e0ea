"""What every SeatGuard HTTP app carries for operators: request ids, metrics, readiness."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from seatguard.common.metrics import exposition
from seatguard.common.ready import router as ready_router
from seatguard.common.request_id import RequestEdge

# The route lives here, not beside the counters: processes that serve no HTTP (the worker)
# count without importing FastAPI.
metrics_router = APIRouter(tags=["operations"])


@metrics_router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    services = getattr(request.app.state, "services", None)
    queue = services.queue if services is not None else None
    return Response(exposition(queue), media_type=CONTENT_TYPE_LATEST)


def install_operations(app: FastAPI) -> None:
    """Add ``/metrics`` and ``/ready``; time every request and give it an ``X-Request-ID``.

    Call it after the app's other middleware so this one wraps everything (the request id
    is then set for every log line, and the latency covers the whole response).
    """
    app.include_router(metrics_router)
    app.include_router(ready_router)
    app.add_middleware(RequestEdge)
