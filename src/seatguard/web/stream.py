"""``GET /events/{id}/seats/stream``: the seat map as server-sent events.

The first event is the whole map (so a reconnecting client is consistent again), then one
``seats`` event per batch of changes: held, freed, sold. Holds that run out without a sweep
are announced by a timer set to the earliest ``heldUntil``; every heartbeat the map is
re-read and any difference sent, which also covers notifications lost in transit.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from seatguard.booking import live, seat_service
from seatguard.booking.seat_store import SeatStore
from seatguard.booking.seatmap import MapSeat, seat_dict
from seatguard.common.clock import Clock
from seatguard.common.db import Database
from seatguard.common.schemas import ERROR_RESPONSES

router = APIRouter(responses=ERROR_RESPONSES, tags=["seats"])

RETRY_MS = 3000
KIND = {"LOCKED": "held", "AVAILABLE": "freed", "SOLD": "sold"}


class SeatMap:
    """What the client has been told so far, seat by seat."""

    def __init__(self, seats: list[MapSeat]) -> None:
        self.state: dict[uuid.UUID, tuple[str, datetime | None]] = {
            s.id: (s.status, s.held_until) for s in seats
        }

    def apply(self, updates: list[live.SeatUpdate]) -> list[dict[str, str | None]]:
        changes = []
        for u in updates:
            if u.seat_id not in self.state:
                continue
            before, _ = self.state[u.seat_id]
            self.state[u.seat_id] = (u.status, u.held_until)
            if before != u.status:
                changes.append(_change(u.seat_id, u.status, u.held_until))
        return changes

    def replace(self, seats: list[MapSeat]) -> list[dict[str, str | None]]:
        fresh = [
            live.SeatUpdate(seat_id=s.id, status=s.status, held_until=s.held_until) for s in seats
        ]
        return self.apply(fresh)

    def expire(self, now: datetime) -> list[dict[str, str | None]]:
        ran_out = [
            live.SeatUpdate(seat_id=sid, status="AVAILABLE")
            for sid, (status, until) in self.state.items()
            if status == "LOCKED" and until is not None and until <= now
        ]
        return self.apply(ran_out)

    def next_expiry(self) -> datetime | None:
        times = [u for status, u in self.state.values() if status == "LOCKED" and u is not None]
        return min(times, default=None)


def _change(seat_id: uuid.UUID, status: str, until: datetime | None) -> dict[str, str | None]:
    return {
        "seatId": str(seat_id),
        "status": status,
        "change": KIND.get(status, status.lower()),
        "heldUntil": until.isoformat() if until else None,
    }


def sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def seat_events(
    *,
    event_id: uuid.UUID,
    sub: live.Subscription,
    seats: list[MapSeat],
    load: Callable[[], Awaitable[list[MapSeat]]],
    clock: Clock,
    heartbeat: float,
) -> AsyncIterator[str]:
    seat_map = SeatMap(seats)
    yield f"retry: {RETRY_MS}\n" + sse(
        "snapshot",
        {
            "eventId": str(event_id),
            "serverTime": clock().isoformat(),
            "seats": [seat_dict(s) for s in seats],
        },
    )
    beat_at = time.monotonic() + heartbeat
    while True:
        wait = beat_at - time.monotonic()
        expiry = seat_map.next_expiry()
        if expiry is not None:
            wait = min(wait, (expiry - clock()).total_seconds() + 0.05)
        item = await sub.get(wait)
        if isinstance(item, list):
            changes = seat_map.apply(item)
        elif isinstance(item, live.Resync):
            changes = seat_map.replace(await load())
        elif time.monotonic() >= beat_at:
            yield ": heartbeat\n\n"
            beat_at = time.monotonic() + heartbeat
            changes = seat_map.replace(await load())
        else:
            changes = seat_map.expire(clock())
        if changes:
            yield sse("seats", {"eventId": str(event_id), "changes": changes})


@router.get(
    "/events/{event_id}/seats/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Seat changes"}},
)
async def seat_stream(event_id: uuid.UUID, request: Request) -> StreamingResponse:
    db: Database = request.app.state.db
    store: SeatStore = request.app.state.seats
    clock: Clock = request.app.state.clock
    heartbeat: float = request.app.state.settings.sse_heartbeat_seconds
    feed = live.feed_for(db)

    async def load() -> list[MapSeat]:
        return await seat_service.seat_map(store, event_id=event_id, now=clock())

    if not feed.ready.is_set():  # the listener is (re)connecting: give it a moment
        await run_in_threadpool(feed.ready.wait, 2.0)
    sub = feed.subscribe(event_id)
    try:
        seats = await load()  # after subscribing, so no change falls in between
    except BaseException:
        feed.unsubscribe(event_id, sub)
        raise

    async def body() -> AsyncIterator[str]:
        try:
            async for chunk in seat_events(
                event_id=event_id, sub=sub, seats=seats, load=load, clock=clock, heartbeat=heartbeat
            ):
                yield chunk
        finally:
            feed.unsubscribe(event_id, sub)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
