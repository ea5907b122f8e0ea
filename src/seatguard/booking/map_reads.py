"""The seat map read through the catalogue in a reader session on a worker thread.

The path of the stores whose readers need no queue of their own (``SqliteSeatStore``'s
readers and ``SessionSeatStore``): one function per read of ``seat_store.SeatStore``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from seatguard.booking import catalogue
from seatguard.booking.seatmap import MapSeat, RowSink
from seatguard.common.db import Database


async def seat_map(db: Database, *, event_id: uuid.UUID, now: datetime) -> list[MapSeat]:
    """The event's seat map in map order, with ``now`` applied (``catalogue.map_seats``)."""

    def read() -> list[MapSeat]:
        with db.reader() as session:
            return catalogue.map_seats(session, event_id=event_id, now=now)

    return await run_in_threadpool(read)


async def read_map(db: Database, *, event_id: uuid.UUID, into: RowSink) -> None:
    """The event's map rows as stored, given to ``into`` in chunks (``catalogue.read_map``)."""

    def read() -> None:
        with db.reader() as session:
            catalogue.read_map(session, event_id=event_id, into=into)

    await run_in_threadpool(read)
