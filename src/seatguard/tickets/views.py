"""Frozen read models of an order and its tickets: what a PDF or an email needs, no ORM."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Row, Table, and_, bindparam, select
from sqlalchemy.orm import Session

from seatguard.booking.models import Event, Order, OrderItem, Seat, Ticket
from seatguard.common.errors import NotFound
from seatguard.tickets.short_codes import format_short_code


@dataclass(frozen=True, slots=True, kw_only=True)
class EventView:
    id: uuid.UUID
    name: str
    artist: str
    venue: str
    starts_at: datetime
    timezone: str
    poster_url: str = ""

    @property
    def local_starts_at(self) -> datetime:
        """The start in the event's own time zone (UTC if the zone name is unknown)."""
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return self.starts_at.astimezone(zone)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatLine:
    seat_id: uuid.UUID
    section: str
    row: str
    number: str
    amount: int

    @property
    def label(self) -> str:
        return seat_label(self.section, self.row, self.number)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderView:
    id: uuid.UUID
    user_id: str
    status: str
    currency: str
    amount_total: int
    holder_name: str
    holder_email: str | None
    created_at: datetime
    completed_at: datetime | None
    event: EventView
    seats: tuple[SeatLine, ...]
    status_reason: str | None = None

    @property
    def reference(self) -> str:
        """Short, human-friendly order reference (the start of the order id)."""
        return self.id.hex[:8].upper()


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketView:
    id: uuid.UUID
    order_id: uuid.UUID
    seat_id: uuid.UUID
    section: str
    row: str
    number: str
    price_minor: int
    currency: str
    code: str
    short_code: str
    issued_at: datetime
    checked_in_at: datetime | None

    @property
    def seat_label(self) -> str:
        return seat_label(self.section, self.row, self.number)

    @property
    def printed_short_code(self) -> str:
        """The short code as printed and shown: ``K7QM-4XPD-9TRB``."""
        return format_short_code(self.short_code)


def seat_label(section: str, row: str, number: str) -> str:
    """``GENERAL G7``: the seat as printed on the ticket and carried in its code."""
    return f"{section} {row}{number}"


_ORDERS = cast(Table, Order.__table__)
_EVENTS = cast(Table, Event.__table__)
_SEATS = cast(Table, Seat.__table__)
_ITEMS = cast(Table, OrderItem.__table__)
_TICKETS = cast(Table, Ticket.__table__)

# Built once on the tables (Core rows, no ORM entities): an order's email reads these for
# every order a worker fulfils.
_ORDER = (
    select(
        _ORDERS.c.id,
        _ORDERS.c.user_id,
        _ORDERS.c.status,
        _ORDERS.c.currency,
        _ORDERS.c.amount_total,
        _ORDERS.c.customer_name,
        _ORDERS.c.customer_email,
        _ORDERS.c.created_at,
        _ORDERS.c.completed_at,
        _ORDERS.c.status_reason,
        _EVENTS.c.id.label("event_id"),
        _EVENTS.c.name,
        _EVENTS.c.artist,
        _EVENTS.c.location,
        _EVENTS.c.starts_at,
        _EVENTS.c.timezone,
        _EVENTS.c.poster_url,
    )
    .join(_EVENTS, _EVENTS.c.id == _ORDERS.c.event_id)
    .where(_ORDERS.c.id == bindparam("order_id"))
)
_SEAT_LINES = (
    select(_SEATS.c.id, _SEATS.c.section, _SEATS.c.row, _SEATS.c.number, _ITEMS.c.amount)
    .join(_ITEMS, _ITEMS.c.seat_id == _SEATS.c.id)
    .where(_ITEMS.c.order_id == bindparam("order_id"))
)
_KEPT_LINES = _SEAT_LINES.where(_ITEMS.c.refund_id.is_(None))
_REFUNDED_LINES = _SEAT_LINES.where(_ITEMS.c.refund_id == bindparam("refund_id"))
_LIVE_TICKETS = (
    select(
        _TICKETS.c.id,
        _TICKETS.c.order_id,
        _SEATS.c.id.label("seat_id"),
        _SEATS.c.section,
        _SEATS.c.row,
        _SEATS.c.number,
        _SEATS.c.price_minor,
        _ORDERS.c.currency,
        _ITEMS.c.amount,
        _TICKETS.c.code,
        _TICKETS.c.short_code,
        _TICKETS.c.issued_at,
        _TICKETS.c.checked_in_at,
    )
    .join(_SEATS, _SEATS.c.id == _TICKETS.c.seat_id)
    .join(_ORDERS, _ORDERS.c.id == _TICKETS.c.order_id)
    .outerjoin(
        _ITEMS,
        and_(_ITEMS.c.order_id == _TICKETS.c.order_id, _ITEMS.c.seat_id == _SEATS.c.id),
    )
    .where(_TICKETS.c.voided_at.is_(None))
)
_TICKETS_OF_ORDERS = _LIVE_TICKETS.where(
    _TICKETS.c.order_id.in_(bindparam("order_ids", expanding=True))
)
_TICKETS_BY_ID = _LIVE_TICKETS.where(_TICKETS.c.id.in_(bindparam("ticket_ids", expanding=True)))


def load_order_view(session: Session, order_id: uuid.UUID) -> tuple[OrderView, list[TicketView]]:
    """The order with its event, its seats (order items not refunded alone) and its live
    (not void) tickets."""
    row = session.execute(_ORDER, {"order_id": order_id}).first()
    if row is None:
        raise NotFound("No such order.", code="order_not_found")
    view = OrderView(
        id=row.id,
        user_id=row.user_id,
        status=row.status,
        currency=row.currency,
        amount_total=row.amount_total,
        holder_name=row.customer_name or row.customer_email or "",
        holder_email=row.customer_email,
        created_at=row.created_at,
        completed_at=row.completed_at,
        event=EventView(
            id=row.event_id,
            name=row.name,
            artist=row.artist,
            venue=row.location,
            starts_at=row.starts_at,
            timezone=row.timezone,
            poster_url=row.poster_url,
        ),
        seats=tuple(_seat_lines(session.execute(_KEPT_LINES, {"order_id": order_id}))),
        status_reason=row.status_reason,
    )
    return view, load_ticket_views(session, order_ids=[order_id])


def refunded_seats(
    session: Session, order_id: uuid.UUID, refund_id: uuid.UUID | None
) -> list[SeatLine]:
    """The seats a partial refund (``refund_id``) gave back, in seat order."""
    if refund_id is None:  # SQL's "= NULL" matches nothing; these are the items kept
        return _seat_lines(session.execute(_KEPT_LINES, {"order_id": order_id}))
    params = {"order_id": order_id, "refund_id": refund_id}
    return _seat_lines(session.execute(_REFUNDED_LINES, params))


def _seat_lines(rows: Iterable[Row[Any]]) -> list[SeatLine]:
    lines = [
        SeatLine(seat_id=r.id, section=r.section, row=r.row, number=r.number, amount=r.amount)
        for r in rows
    ]
    return sorted(lines, key=lambda s: seat_order(s.section, s.row, s.number))


def load_ticket_views(
    session: Session,
    *,
    order_ids: list[uuid.UUID] | None = None,
    ticket_ids: list[uuid.UUID] | None = None,
) -> list[TicketView]:
    """Live tickets of the given orders or with the given ids, in seat order within each
    order; void (refunded) ones are left out."""
    if order_ids is not None and ticket_ids is not None:
        stmt = _TICKETS_OF_ORDERS.where(_TICKETS.c.id.in_(bindparam("ticket_ids", expanding=True)))
    elif order_ids is not None:
        stmt = _TICKETS_OF_ORDERS
    elif ticket_ids is not None:
        stmt = _TICKETS_BY_ID
    else:
        stmt = _LIVE_TICKETS
    params = {"order_ids": order_ids, "ticket_ids": ticket_ids}
    views = [
        TicketView(
            id=r.id,
            order_id=r.order_id,
            seat_id=r.seat_id,
            section=r.section,
            row=r.row,
            number=r.number,
            price_minor=r.price_minor if r.amount is None else r.amount,
            currency=r.currency,
            code=r.code,
            short_code=r.short_code,
            issued_at=r.issued_at,
            checked_in_at=r.checked_in_at,
        )
        for r in session.execute(stmt, params)
    ]
    return sorted(views, key=lambda t: (str(t.order_id), *seat_order(t.section, t.row, t.number)))


def seat_order(section: str, row: str, number: str) -> tuple[str, str, int, str]:
    """How seats sort: section, row, then the number as a number when it is one."""
    return (section, row, int(number) if number.isascii() and number.isdigit() else 0, number)
