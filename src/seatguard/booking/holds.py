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
from typing import Any, cast

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from seatguard.booking.domain import SalesWindow, SeatStatus
from seatguard.booking.models import Event, Seat
from seatguard.booking.sales_rules import refuse_sale
from seatguard.common.db import UTCDateTime
from seatguard.common.errors import AppError, Conflict, Forbidden, Invalid, NotFound

LOCKED = SeatStatus.LOCKED.value
AVAILABLE = SeatStatus.AVAILABLE.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Hold:
    event_id: uuid.UUID
    seat_ids: tuple[uuid.UUID, ...]
    user_id: str
    expires_at: datetime
    held_until: tuple[datetime, ...] = ()  # each seat's, in ``seat_ids`` order, where known


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatChange:
    """A seat whose status changed (fed to live seat maps)."""

    event_id: uuid.UUID
    seat_id: uuid.UUID
    status: str
    held_until: datetime | None = None  # a hold's end, when it is not the batch's


# Every statement here is on the seats table's columns, with named parameters where the
# statement is built once: each request then only binds values (no statement construction,
# cache-key walk or ORM bulk-update bookkeeping per call; measured in docs/benchmarks.md).
# The predicates below take plain values or those parameters, so ad-hoc statements elsewhere
# (checkout, fulfilment, the catalogue's counts) share them.
SEATS = cast(Table, Seat.__table__)
EVENTS = cast(Table, Event.__table__)
_seats = SEATS.c
_events = EVENTS.c
Columns = ReadOnlyColumnCollection[str, Any]
When = datetime | ColumnElement[Any]
Who = str | ColumnElement[Any]


def free_now(now: When, seats: Columns = _seats) -> ColumnElement[bool]:
    """SQL for "anyone may hold the seat now": available, or a hold that has run out."""
    return or_(seats.status == AVAILABLE, and_(seats.status == LOCKED, seats.held_until <= now))


def free_for(user_id: Who, now: When) -> ColumnElement[bool]:
    """SQL for "this user may hold the seat now": free, or already the user's."""
    return or_(free_now(now), and_(_seats.status == LOCKED, _seats.held_by == user_id))


def still_held(user_id: Who, now: When, seats: Columns = _seats) -> ColumnElement[bool]:
    return and_(seats.status == LOCKED, seats.held_by == user_id, seats.held_until > now)


def unheld(now: When, status: str = AVAILABLE) -> dict[str, object]:
    """Column values of a seat with no hold and no order, as of ``now``."""
    return {
        "status": status,
        "held_by": None,
        "held_until": None,
        "order_id": None,
        "version": _seats.version + 1,
        "updated_at": now,
    }


_P_IDS: BindParameter[Any] = bindparam("p_ids", expanding=True)
_P_NOW = bindparam("p_now", type_=UTCDateTime())
_P_UNTIL = bindparam("p_until", type_=UTCDateTime())
_P_USER = bindparam("p_user", type_=String())
_P_EVENT = bindparam("p_event", type_=_seats.event_id.type)
_P_ORDER = bindparam("p_order", type_=_seats.order_id.type)

_MINE = still_held(_P_USER, _P_NOW)
_ON_SALE = (
    select(
        _seats.id,
        _seats.event_id,
        _events.status,
        _events.starts_at,
        _events.sales_start_at,
        _events.sales_end_at,
    )
    .join_from(SEATS, EVENTS, _events.id == _seats.event_id)
    .where(_seats.id.in_(_P_IDS))
)
# On PostgreSQL the same read takes a per-user transaction lock: one hold at a time per
# user, so the per-event cap the UPDATE checks cannot be raced (no extra round trip).
_ON_SALE_SERIALISED = _ON_SALE.add_columns(
    func.pg_advisory_xact_lock(func.hashtextextended(literal("hold:") + _P_USER, 0))
)


# The user's unexpired holds in the event beyond the seats asked for (uncorrelated: one
# evaluation per statement).
_other = SEATS.alias("other").c
_HELD_ELSEWHERE = (
    select(func.count())
    .where(
        _other.event_id == _P_EVENT,
        still_held(_P_USER, _P_NOW, _other),
        _other.id.not_in(_P_IDS),
    )
    .scalar_subquery()
)
_P_ROOM = bindparam("p_room", type_=Integer())  # the cap less the seats asked for


def _hold_statement(order_id: ColumnElement[Any]) -> Update:
    target = (
        select(_seats.id)
        .where(_seats.id.in_(_P_IDS))
        .order_by(_seats.id)
        .with_for_update(skip_locked=True)
        .cte("target")
    )
    return (
        update(SEATS)
        .where(
            _seats.id.in_(select(target.c.id)),
            free_for(_P_USER, _P_NOW),
            _HELD_ELSEWHERE <= _P_ROOM,
        )
        .values(
            status=LOCKED,
            held_by=_P_USER,
            held_until=case((_MINE, _seats.held_until), else_=_P_UNTIL),
            order_id=order_id,
            version=_seats.version + 1,
            updated_at=_P_NOW,
        )
        .returning(_seats.id, _seats.held_until)
    )


_HOLD = _hold_statement(case((_MINE, _seats.order_id)))
_HOLD_FOR_ORDER = _hold_statement(_P_ORDER)
_OVER_CAP = select(_HELD_ELSEWHERE > _P_ROOM)


def event_on_sale(
    session: Session, seat_ids: Sequence[uuid.UUID], now: datetime, *, user_id: str | None = None
) -> uuid.UUID:
    """The one event these seats belong to, checked to be on sale, in one round trip.

    404 for unknown seats, 422 for seats of several events, 409 when the event is not selling
    now (``sales_rules.refuse_sale``: its state, its sales window, its start). With ``user_id`` on
    PostgreSQL, also takes that user's hold lock.
    """
    serialise = user_id is not None and session.get_bind().dialect.name == "postgresql"
    rows = session.execute(
        _ON_SALE_SERIALISED if serialise else _ON_SALE, {"p_ids": list(seat_ids), "p_user": user_id}
    ).all()
    missing = set(seat_ids) - {r.id for r in rows}
    if missing:
        raise NotFound(
            "Some seats do not exist.",
            code="seat_not_found",
            details={"seatIds": sorted(str(s) for s in missing)},
        )
    events = {r.event_id: r for r in rows}
    if len(events) > 1:
        raise Invalid("All seats of one hold must belong to one event.", code="mixed_events")
    event_id, row = events.popitem()
    refuse_sale(
        SalesWindow(
            status=row.status,
            starts_at=row.starts_at,
            sales_start_at=row.sales_start_at,
            sales_end_at=row.sales_end_at,
        ),
        now=now,
    )
    return event_id  # type: ignore[no-any-return]


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
    wanted = wanted_seats(seat_ids)
    event_id = event_on_sale(session, wanted, now, user_id=user_id)
    params = {
        "p_ids": wanted,
        "p_user": user_id,
        "p_now": now,
        "p_until": now + hold_for,
        "p_order": order_id,
        "p_event": event_id,
        "p_room": max_per_event - len(wanted),
    }
    # One statement takes the seats, and only if the user stays within the per-event cap.
    rows = session.execute(_HOLD if order_id is None else _HOLD_FOR_ORDER, params).all()
    taken = {r.id for r in rows}
    if len(taken) != len(wanted):
        if not rows and session.scalar(_OVER_CAP, params):
            raise Conflict(
                f"At most {max_per_event} seats may be held per event.",
                code="hold_limit_reached",
                details={"limit": max_per_event},
            )
        not_free = sorted(str(s) for s in wanted if s not in taken)
        raise Conflict(
            "Some seats are held or sold by someone else.",
            code="seats_unavailable",
            details={"seatIds": not_free},
        )
    until = {r.id: r.held_until for r in rows}  # a seat already the user's keeps its end
    return Hold(
        event_id=event_id,
        seat_ids=tuple(wanted),
        user_id=user_id,
        expires_at=min(until.values()),
        held_until=tuple(until[s] for s in wanted),
    )


_RELEASE = (
    update(SEATS)
    .where(
        _seats.id == bindparam("p_seat", type_=_seats.id.type),
        _MINE,
        _seats.order_id.is_(None),
    )
    .values(unheld(_P_NOW))
    .returning(*SEATS.c)
)


def release_seat(session: Session, *, seat_id: uuid.UUID, user_id: str, now: datetime) -> Row[Any]:
    """Give back a seat the user holds and has not yet taken to checkout; returns the seat's
    row as it now is (from the ``UPDATE … RETURNING``, no second query)."""
    params = {"p_seat": seat_id, "p_user": user_id, "p_now": now}
    released = session.execute(_RELEASE, params).one_or_none()
    if released is not None:
        return released
    seat = session.get(Seat, seat_id)
    if seat is None:
        raise NotFound("No such seat.", code="seat_not_found")
    raise release_refusal(
        status=seat.status,
        held_by=seat.held_by,
        held_until=seat.held_until,
        order_id=seat.order_id,
        user_id=user_id,
        now=now,
    )


def wanted_seats(seat_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The seats a hold asks for, each once and in order; 422 when it names none."""
    wanted = list(dict.fromkeys(seat_ids))
    if not wanted:
        raise Invalid("Name at least one seat.", code="no_seats")
    return wanted


def release_refusal(
    *,
    status: str,
    held_by: str | None,
    held_until: datetime | None,
    order_id: uuid.UUID | None,
    user_id: str,
    now: datetime,
) -> AppError:
    """Why a seat that exists was not given back, from its state: the user's hold is in a
    checkout (409), someone else holds it (403), or nobody's hold is running on it (409)."""
    running = status == LOCKED and held_until is not None and held_until > now
    if running and held_by == user_id:
        return Conflict(
            "This seat is in a checkout; cancel the order instead.",
            code="seat_in_checkout",
            details={"orderId": str(order_id)},
        )
    if running:
        return Forbidden("This seat is held by someone else.", code="not_your_hold")
    return Conflict("You do not hold this seat.", code="not_held")
