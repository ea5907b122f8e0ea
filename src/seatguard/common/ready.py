"""Readiness: can this process do its work now? (``/health`` stays the liveness probe.)

A load balancer sends traffic only to ready instances; an orchestrator restarts only the
ones that fail liveness. So a database or queue outage makes ``/ready`` answer 503, naming
what failed, while ``/health`` keeps the process alive until the dependency is back.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from seatguard.common.db import Database

log = logging.getLogger("seatguard.ready")

router = APIRouter(tags=["health"])


def check_database(db: Database) -> bool:
    try:
        with db.reader() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        log.warning("readiness: database check failed", exc_info=True)
        return False
    return True


def check_queue(queue: object) -> bool:
    try:
        queue.depth()  # type: ignore[attr-defined]
    except Exception:
        log.warning("readiness: queue check failed", exc_info=True)
        return False
    return True


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    checks = {"database": check_database(request.app.state.db)}
    services = getattr(request.app.state, "services", None)
    if services is not None:
        checks["queue"] = check_queue(services.queue)
    body: dict[str, object] = {name: "ok" if ok else "down" for name, ok in checks.items()}
    if all(checks.values()):
        return JSONResponse({"status": "ok", **body})
    failed = [name for name, ok in checks.items() if not ok]
    return JSONResponse(
        {"status": "unavailable", **body, "failed": failed},
        status_code=503,
        headers={"Retry-After": "5"},
    )
