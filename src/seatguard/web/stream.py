"""``GET /events/{id}/seats/stream``: the seat map as server-sent events.

The first event is the whole map (so a reconnecting client is consistent again), written
from the process's kept map, or no seats at all when the client names the map it holds
(``?have=<ETag>``) and that is still the map; then one ``seats`` event per batch of changes:
held, freed, sold. The snapshot is the last written map, which may be a moment older than the
changes this process has heard (a big map is written at most once per interval), so right
after it the stream compares it with the kept map and sends the difference. Holds that run
out without a sweep are announced by a timer set to the earliest ``heldUntil``; every
heartbeat the kept map is compared and any difference sent, which also covers notifications
lost in transit. A stream remembers only the seats that are not AVAILABLE.

Right after the snapshot comes a ``sale`` event, whether seats can be held now and, when not, a
line for the buyer (in the page's language); it is sent again whenever that answer changes:
at the instant sales open or close or the event starts (a timer, as for holds), and within
five seconds of an organizer closing, reopening or cancelling the sale: each stream looks
again every ``SALE_RECHECK_SECONDS``, at a window each process reads at most once per
``SaleWindows`` ttl for all of its streams.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from seatguard.booking import live, seat_service
from seatguard.booking.domain import SalesWindow, next_sales_change, why_not_on_sale
from seatguard.booking.map_cache import Taken, WrittenMap
from seatguard.booking.map_http import matches
from seatguard.booking.sales_rules import read_window
from seatguard.booking.seat_store import SeatStore
from seatguard.booking.seatmap import AVAILABLE
from seatguard.common.clock import Clock
from seatguard.common.db import Database
from seatguard.common.i18n import use_language
from seatguard.common.request_language import request_language
from seatguard.common.schemas import ERROR_RESPONSES
from seatguard.web.texts import sales_note

router = APIRouter(responses=ERROR_RESPONSES, tags=["seats"])

RETRY_MS = 3000
KIND = {"LOCKED": "held", "AVAILABLE": "freed", "SOLD": "sold"}
FREE: Final = (AVAILABLE, None)
SALE_RECHECK_SECONDS: Final = 3.0
Sale = tuple[dict[str, object], datetime | None]  # the ``sale`` event's data, the next clock change


class SeatMap:
    """What the client has been told so far: only the seats that are not AVAILABLE (a
    stadium's stream keeps a few thousand entries, not 100,000)."""

    def __init__(self, taken: Iterable[Taken]) -> None:
        self.state: dict[uuid.UUID, tuple[str, datetime | None]] = {
            sid: (status, until) for sid, status, until in taken
        }

    def apply(self, updates: list[live.SeatUpdate]) -> list[dict[str, str | None]]:
        changes = []
        for u in updates:
            before, _ = self.state.get(u.seat_id, FREE)
            if u.status == AVAILABLE:
                self.state.pop(u.seat_id, None)
            else:
                self.state[u.seat_id] = (u.status, u.held_until)
            if before != u.status:
                changes.append(_change(u.seat_id, u.status, u.held_until))
        return changes

    def replace(self, taken: Iterable[Taken]) -> list[dict[str, str | None]]:
        fresh = {sid: live.SeatUpdate(seat_id=sid, status=st, held_until=u) for sid, st, u in taken}
        freed = [
            live.SeatUpdate(seat_id=sid, status=AVAILABLE) for sid in self.state.keys() - fresh
        ]
        return self.apply([*fresh.values(), *freed])

    def expire(self, now: datetime) -> list[dict[str, str | None]]:
        ran_out = [
            live.SeatUpdate(seat_id=sid, status=AVAILABLE)
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


def snapshot(event_id: uuid.UUID, written: WrittenMap, *, now: datetime, have: str) -> str:
    """The first event: the whole map, written from the kept bytes, or none of it when the
    client says it has this very map (``have`` is its ETag)."""
    unchanged = bool(have) and matches(have, written.etag)
    head = json.dumps(
        {
            "eventId": str(event_id),
            "serverTime": now.isoformat(),
            "etag": written.etag,
            "unchanged": unchanged,
        },
        separators=(",", ":"),
    )
    seats = "[]" if unchanged else written.body().decode()
    return f'retry: {RETRY_MS}\nevent: snapshot\ndata: {head[:-1]},"seats":{seats}}}\n\n'


class SaleWindows:
    """Each event's sales window and zone, read at most once per ``ttl`` seconds by this
    process for all of its streams (None: the event is gone)."""

    def __init__(self, db: Database, *, ttl: float = 2.0) -> None:
        self._db = db
        self._ttl = ttl
        self._entries: dict[uuid.UUID, tuple[float, tuple[SalesWindow, str] | None]] = {}

    async def get(self, event_id: uuid.UUID) -> tuple[SalesWindow, str] | None:
        entry = self._entries.get(event_id)
        if entry is not None and time.monotonic() - entry[0] < self._ttl:
            return entry[1]
        found = await run_in_threadpool(self._read, event_id)
        if len(self._entries) >= 10_000:
            self._entries.clear()
        self._entries[event_id] = (time.monotonic(), found)
        return found

    def _read(self, event_id: uuid.UUID) -> tuple[SalesWindow, str] | None:
        with self._db.reader() as session:
            return read_window(session, event_id)


def sale_windows(request: Request) -> SaleWindows:
    state = request.app.state
    windows: SaleWindows | None = getattr(state, "sale_windows", None)
    if windows is None:
        windows = state.sale_windows = SaleWindows(state.db)
    return windows


def sale_state(
    event_id: uuid.UUID, found: tuple[SalesWindow, str] | None, *, now: datetime, language: str
) -> Sale:
    """The ``sale`` event's data at ``now``, and when the clock alone may change it next."""
    if found is None:
        return {"eventId": str(event_id), "onSale": False, "reason": "event_not_found"}, None
    window, zone = found
    reason = why_not_on_sale(window, now=now)
    with use_language(language):
        note = sales_note(
            on_sale=reason is None,
            status=window.status,
            sales_start_at=window.sales_start_at,
            zone=zone,
            now=now,
        )
    data: dict[str, object] = {
        "eventId": str(event_id),
        "onSale": reason is None,
        "reason": reason,
        "note": note,
    }
    return data, next_sales_change(window, now=now)


async def seat_events(
    *,
    event_id: uuid.UUID,
    sub: live.Subscription,
    written: WrittenMap,
    load: Callable[[], Awaitable[tuple[Taken, ...]]],
    sale: Callable[[datetime], Awaitable[Sale]],
    clock: Clock,
    heartbeat: float,
    have: str = "",
) -> AsyncIterator[str]:
    seat_map = SeatMap(written.taken)
    yield snapshot(event_id, written, now=clock(), have=have)
    sold_as, sale_turns = await sale(clock())
    yield sse("sale", sold_as)
    caught_up = seat_map.replace(await load())  # the snapshot may be a moment old
    if caught_up:
        yield sse("seats", {"eventId": str(event_id), "changes": caught_up})
    beat_at = time.monotonic() + heartbeat
    recheck_at = time.monotonic() + SALE_RECHECK_SECONDS
    while True:
        wait = min(beat_at, recheck_at) - time.monotonic()
        for at in (seat_map.next_expiry(), sale_turns):
            if at is not None:
                wait = min(wait, (at - clock()).total_seconds() + 0.05)
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
        now = clock()
        if time.monotonic() >= recheck_at or (sale_turns is not None and now >= sale_turns):
            recheck_at = time.monotonic() + SALE_RECHECK_SECONDS
            state, sale_turns = await sale(now)
            if state != sold_as:
                sold_as = state
                yield sse("sale", state)


@router.get(
    "/events/{event_id}/seats/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Seat changes"}},
)
async def seat_stream(
    event_id: uuid.UUID,
    request: Request,
    have: Annotated[
        str,
        Query(
            max_length=100,
            description="The ETag of the map the client holds (from GET /events/{id}/seats): "
            "if it is still the map, the snapshot sends no seats",
        ),
    ] = "",
) -> StreamingResponse:
    db: Database = request.app.state.db
    store: SeatStore = request.app.state.seats
    clock: Clock = request.app.state.clock
    heartbeat: float = request.app.state.settings.sse_heartbeat_seconds
    feed = live.feed_for(db)
    windows = sale_windows(request)
    language = request_language(request)

    async def sale(now: datetime) -> Sale:
        return sale_state(event_id, await windows.get(event_id), now=now, language=language)

    async def written_map() -> WrittenMap:
        return await seat_service.written_seat_map(
            store,
            feed,
            event_id=event_id,
            now=clock(),
            rewrite_after=request.app.state.settings.seat_map_rewrite_ms / 1000,
        )

    async def load() -> tuple[Taken, ...]:  # the kept map, with every change heard: no read
        taken = feed.maps.taken_now(event_id, now=clock()) if feed.ready.is_set() else None
        return taken if taken is not None else (await written_map()).taken

    if not feed.ready.is_set():  # the listener is (re)connecting: give it a moment
        await run_in_threadpool(feed.ready.wait, 2.0)
    sub = feed.subscribe(event_id)
    try:
        written = await written_map()  # after subscribing, so no change falls in between
    except BaseException:
        feed.unsubscribe(event_id, sub)
        raise

    async def body() -> AsyncIterator[str]:
        try:
            async for chunk in seat_events(
                event_id=event_id,
                sub=sub,
                written=written,
                load=load,
                sale=sale,
                clock=clock,
                heartbeat=heartbeat,
                have=have,
            ):
                yield chunk
        finally:
            feed.unsubscribe(event_id, sub)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
