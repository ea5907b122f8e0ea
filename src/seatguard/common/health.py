"""Liveness with a database round trip."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from seatguard.common.deps import DatabaseDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(db: DatabaseDep) -> JSONResponse:
    try:
        with db.reader() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
