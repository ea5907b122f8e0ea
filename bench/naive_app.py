"""The read-then-write hold the original did, served for comparison only (never by SeatGuard).

``SELECT status``; if it says AVAILABLE, ``UPDATE`` the seat with no condition on its status.
Two requests that read before either writes both "win": the benchmark counts those grants.
Run as ``python -m bench.naive_app --port P [--workers N]`` with ``DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from sqlalchemy import select, update

from seatguard.booking.models import Seat
from seatguard.common.db import Database


def create_naive_app() -> FastAPI:
    db = Database(os.environ["DATABASE_URL"])
    app = FastAPI(title="naive hold (comparison only)")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/naive/hold/{seat_id}")
    def naive_hold(seat_id: uuid.UUID, x_user: Annotated[str, Header()]) -> JSONResponse:
        now = datetime.now(UTC)
        with db.reader() as session:  # a plain transaction: no lock, no condition
            status = session.scalar(select(Seat.status).where(Seat.id == seat_id))
            if status != "AVAILABLE":
                return JSONResponse({"error": "seat_taken"}, status_code=409)
            session.execute(
                update(Seat)
                .where(Seat.id == seat_id)
                .values(
                    status="LOCKED",
                    held_by=x_user,
                    held_until=now + timedelta(minutes=15),
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        return JSONResponse({"seatId": str(seat_id), "status": "LOCKED"})

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bench.naive_app:create_naive_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
