"""Seat holds: take, release and sweep — each one conditional UPDATE whose rows are the answer.

No read-then-write decides who gets a seat. The target rows are locked in id order
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two multi-seat holds never deadlock and a
contended seat answers at once instead of queueing); SQLite serialises writers with
``BEGIN IMMEDIATE``. Either all requested seats are taken or the transaction rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from seatguard.booking.domain import SeatStatus
from seatguard.booking.models import Event, Seat
from seatguard.common.errors import Conflict, Forbidden, Invalid, NotFound

LOCKED = SeatStatus.LOCKED.value
AVAILABLE = SeatStatus.AVAILABLE.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Hold:
    event_id: uuid.UUID
    seat_ids: tuple[uuid.UUID, ...]
    user_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatChange:
    """A seat whose status changed (fed to live seat maps)."""

    event_id: uuid.UUID
    seat_id: uuid.UUID
    status: str


def free_now(now: datetime) -> ColumnElement[bool]:
    """SQL for "anyone may hold the seat now": available, or a hold that has run out."""
    return or_(Seat.status == AVAILABLE, and_(Seat.status == LOCKED, Seat.held_until <= now))


def free_for(user_id: str, now: datetime) -> ColumnElement[bool]:
    """SQL for "this user may hold the seat now": free, or already the user's."""
    return or_(free_now(now), and_(Seat.status == LOCKED, Seat.held_by == user_id))


def still_held(user_id: str, now: datetime) -> ColumnElement[bool]:
    return and_(Seat.status == LOCKED, Seat.held_by == user_id, Seat.held_until > now)


def unheld(now: datetime, status: str = AVAILABLE) -> dict[str, object]:
    """Column values of a seat with no hold and no order, as of ``now``."""
    return {
        "status": status,
        "held_by": None,
        "held_until": None,
        "order_id": None,
        "version": Seat.version + 1,
        "updated_at": now,
    }


def event_on_sale(session: Session, seat_ids: Sequence[uuid.UUID], now: datetime) -> uuid.UUID:
    """The one event these seats belong to, checked to be on sale, in one round trip.

    404 for unknown seats, 422 for seats of several events, 409 when the event is cancelled
    or has started.
    """
    rows = session.execute(
        select(Seat.id, Seat.event_id, Event.status, Event.starts_at)
        .join(Event, Event.id == Seat.event_id)
        .where(Seat.id.in_(seat_ids))
    ).all()
    missing = set(seat_ids) - {r.id for r in rows}
    if missing:
        raise NotFound(
            "Some seats do not exist.",
            code="seat_not_found",
            details={"seatIds": sorted(str(s) for s in missing)},
        )
    events = {(r.event_id, r.status, r.starts_at) for r in rows}
    if len(events) > 1:
        raise Invalid("All seats of one hold must belong to one event.", code="mixed_events")
    event_id, status, starts_at = events.pop()
    if status != "ON_SALE":
        raise Conflict("This event is not on sale.", code="event_not_on_sale")
    if starts_at <= now:
        raise Conflict("This event has already started.", code="event_started")
    return event_id  # type: ignore[no-any-return]


def _serialise_user(session: Session, event_id: uuid.UUID, user_id: str) -> None:
    """On PostgreSQL, one hold at a time per user and event, so the cap cannot be raced."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"hold:{event_id}:{user_id}"},
        )


def hold_seats(
    session: Session,
    *,
    seat_ids: Sequence[uuid.UUID],
    user_id: str,
    now: datetime,
    hold_for: timedelta,
    max_per_event: int,
    order_id: uuid.UUID | None = None,
) -> Hold:
    """Hold every seat in ``seat_ids`` for ``user_id``, or none of them (409 lists the others).

    Seats the user already holds keep their expiry (a hold cannot be stretched by asking
    again); expired holds of others are taken over and detached from their old order. With
    ``order_id`` (a checkout), every seat is bound to that order.
    """
    wanted = list(dict.fromkeys(seat_ids))
    if not wanted:
        raise Invalid("Name at least one seat.", code="no_seats")
    event_id = event_on_sale(session, wanted, now)
    _serialise_user(session, event_id, user_id)

    until = now + hold_for
    mine = still_held(user_id, now)
    target = (
        select(Seat.id)
        .where(Seat.id.in_(wanted))
        .order_by(Seat.id)
        .with_for_update(skip_locked=True)
        .cte("target")
    )
    stmt = (
        update(Seat)
        .where(Seat.id.in_(select(target.c.id)), free_for(user_id, now))
        .values(
            status=LOCKED,
            held_by=user_id,
            held_until=case((mine, Seat.held_until), else_=until),
            order_id=order_id if order_id is not None else case((mine, Seat.order_id)),
            version=Seat.version + 1,
            updated_at=now,
        )
        .returning(Seat.id, Seat.held_until)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(stmt).all()
    taken = {r.id for r in rows}
    if len(taken) != len(wanted):
        not_free = sorted(str(s) for s in wanted if s not in taken)
        raise Conflict(
            "Some seats are held or sold by someone else.",
            code="seats_unavailable",
            details={"seatIds": not_free},
        )
    held = session.scalar(
        select(func.count()).select_from(Seat).where(Seat.event_id == event_id, mine)
    )
    if held is not None and held > max_per_event:
        raise Conflict(
            f"At most {max_per_event} seats may be held per event.",
            code="hold_limit_reached",
            details={"limit": max_per_event},
        )
    expires_at = min(r.held_until for r in rows)
    return Hold(event_id=event_id, seat_ids=tuple(wanted), user_id=user_id, expires_at=expires_at)


def release_seat(
    session: Session, *, seat_id: uuid.UUID, user_id: str, now: datetime
) -> SeatChange:
    """Give back a seat the user holds and has not yet taken to checkout."""
    stmt = (
        update(Seat)
        .where(Seat.id == seat_id, still_held(user_id, now), Seat.order_id.is_(None))
        .values(unheld(now))
        .returning(Seat.event_id)
        .execution_options(synchronize_session=False)
    )
    event_id = session.execute(stmt).scalar_one_or_none()
    if event_id is not None:
        return SeatChange(event_id=event_id, seat_id=seat_id, status=AVAILABLE)
    seat = session.get(Seat, seat_id)
    if seat is None:
        raise NotFound("No such seat.", code="seat_not_found")
    if (
        seat.status == LOCKED
        and seat.held_by == user_id
        and seat.held_until
        and seat.held_until > now
    ):
        raise Conflict(
            "This seat is in a checkout; cancel the order instead.", code="seat_in_checkout"
        )
    if seat.status == LOCKED and seat.held_until and seat.held_until > now:
        raise Forbidden("This seat is held by someone else.", code="not_your_hold")
    raise Conflict("You do not hold this seat.", code="not_held")


def sweep_expired_holds(session: Session, *, now: datetime, limit: int = 1000) -> list[SeatChange]:
    """Return expired holds that no checkout is waiting on to AVAILABLE (tidying only)."""
    batch = (
        select(Seat.id)
        .where(Seat.status == LOCKED, Seat.held_until <= now, Seat.order_id.is_(None))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("expired")
    )
    stmt = (
        update(Seat)
        .where(Seat.id.in_(select(batch.c.id)), Seat.status == LOCKED, Seat.held_until <= now)
        .values(unheld(now))
        .returning(Seat.id, Seat.event_id)
        .execution_options(synchronize_session=False)
    )
    return [
        SeatChange(event_id=r.event_id, seat_id=r.id, status=AVAILABLE)
        for r in session.execute(stmt).all()
    ]
