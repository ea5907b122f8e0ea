"""Liveness: the process answers. No database, no queue: an outage of either must not make an
orchestrator restart processes that are fine (``/ready`` is where dependencies are checked)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
