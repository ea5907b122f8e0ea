"""Seat use cases: hold, release, read the map, set a seat's status.

Each owns its transaction and its side effects (the live seat-map notice, the hold metrics),
so routes, the worker and the CLI only parse, call one of these and format.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from seatguard.admin import audit
from seatguard.booking import catalogue, live
from seatguard.booking.domain import SeatStatus
from seatguard.booking.holds import Hold
from seatguard.booking.map_cache import DEFAULT_REWRITE_AFTER, WrittenMap
from seatguard.booking.schemas import SeatOut
from seatguard.booking.seat_store import SeatStore
from seatguard.booking.seatmap import MapSeat, RowSink
from seatguard.common.db import Database
from seatguard.common.metrics import counting_holds
from seatguard.settings import Settings


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldPolicy:
    hold_for: timedelta
    max_per_event: int

    @classmethod
    def of(cls, settings: Settings) -> HoldPolicy:
        return cls(
            hold_for=timedelta(minutes=settings.hold_minutes),
            max_per_event=settings.max_holds_per_event,
        )


async def hold_seats(
    store: SeatStore,
    *,
    seat_ids: Sequence[uuid.UUID],
    user_id: str,
    now: datetime,
    policy: HoldPolicy,
) -> Hold:
    """All of ``seat_ids`` for ``user_id``, or none (an ``AppError`` says why); counted."""
    with counting_holds():
        return await store.hold(
            seat_ids=seat_ids,
            user_id=user_id,
            now=now,
            hold_for=policy.hold_for,
            max_per_event=policy.max_per_event,
        )


async def release_seat(
    store: SeatStore, *, seat_id: uuid.UUID, user_id: str, now: datetime
) -> MapSeat:
    """Give back a seat the user holds outside a checkout; the seat as it now is."""
    return await store.release(seat_id=seat_id, user_id=user_id, now=now)


async def seat_map(store: SeatStore, *, event_id: uuid.UUID, now: datetime) -> list[MapSeat]:
    return await store.seat_map(event_id=event_id, now=now)


async def written_seat_map(
    store: SeatStore,
    feed: live.SeatFeed,
    *,
    event_id: uuid.UUID,
    now: datetime,
    rewrite_after: float = DEFAULT_REWRITE_AFTER,
) -> WrittenMap:
    """The map as JSON (and gzip), read once by this process and kept up to date from the
    announced changes (a big map written again at most once per ``rewrite_after`` seconds)."""

    async def load(into: RowSink) -> None:
        await store.read_map(event_id=event_id, into=into)

    return await feed.maps.get(
        event_id, now=now, load=load, trusted=feed.ready.is_set(), rewrite_after=rewrite_after
    )


def set_seat_status(
    db: Database,
    *,
    seat_id: uuid.UUID,
    status: SeatStatus,
    now: datetime,
    actor: audit.Actor,
) -> SeatOut:
    """An operator's change along a legal transition, announced to live seat maps and
    written to the audit log in the same transaction."""
    with db.unit_of_work() as session:
        change = catalogue.set_seat_status(session, seat_id=seat_id, status=status, now=now)
        live.announce(session, [change])
        audit.record(
            session,
            actor=actor,
            action=audit.Action.SEAT_STATUS_CHANGED,
            target_type="seat",
            target_id=seat_id,
            now=now,
            details={"status": change.status, "eventId": change.event_id},
        )
    with db.reader() as session:
        return catalogue.get_seat(session, seat_id=seat_id, now=now)
