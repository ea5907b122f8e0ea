"""Frozen read models of an order and its tickets: what a PDF or an email needs, no ORM."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, select
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


def _event_view(event: Event) -> EventView:
    return EventView(
        id=event.id,
        name=event.name,
        artist=event.artist,
        venue=event.location,
        starts_at=event.starts_at,
        timezone=event.timezone,
        poster_url=event.poster_url,
    )


def load_order_view(session: Session, order_id: uuid.UUID) -> tuple[OrderView, list[TicketView]]:
    """The order with its event, its seats (order items not refunded alone) and its live
    (not void) tickets."""
    found = session.execute(
        select(Order, Event).join(Event, Event.id == Order.event_id).where(Order.id == order_id)
    ).first()
    if found is None:
        raise NotFound("No such order.", code="order_not_found")
    order, event = found
    items = session.execute(
        select(Seat, OrderItem.amount)
        .join(OrderItem, OrderItem.seat_id == Seat.id)
        .where(OrderItem.order_id == order_id, OrderItem.refund_id.is_(None))
    ).all()
    seats = sorted(
        (
            SeatLine(
                seat_id=seat.id, section=seat.section, row=seat.row, number=seat.number, amount=amt
            )
            for seat, amt in items
        ),
        key=lambda s: _seat_order(s.section, s.row, s.number),
    )
    view = OrderView(
        id=order.id,
        user_id=order.user_id,
        status=order.status,
        currency=order.currency,
        amount_total=order.amount_total,
        holder_name=order.customer_name or order.customer_email or "",
        holder_email=order.customer_email,
        created_at=order.created_at,
        completed_at=order.completed_at,
        event=_event_view(event),
        seats=tuple(seats),
        status_reason=order.status_reason,
    )
    return view, load_ticket_views(session, order_ids=[order_id])


def refunded_seats(
    session: Session, order_id: uuid.UUID, refund_id: uuid.UUID | None
) -> list[SeatLine]:
    """The seats a partial refund (``refund_id``) gave back, in seat order."""
    rows = session.execute(
        select(Seat, OrderItem.amount)
        .join(OrderItem, OrderItem.seat_id == Seat.id)
        .where(OrderItem.order_id == order_id, OrderItem.refund_id == refund_id)
    ).all()
    lines = [
        SeatLine(seat_id=s.id, section=s.section, row=s.row, number=s.number, amount=amt)
        for s, amt in rows
    ]
    return sorted(lines, key=lambda s: _seat_order(s.section, s.row, s.number))


def load_ticket_views(
    session: Session,
    *,
    order_ids: list[uuid.UUID] | None = None,
    ticket_ids: list[uuid.UUID] | None = None,
) -> list[TicketView]:
    """Live tickets of the given orders or with the given ids, in seat order within each
    order; void (refunded) ones are left out."""
    stmt = (
        select(Ticket, Seat, Order.currency, OrderItem.amount)
        .join(Seat, Seat.id == Ticket.seat_id)
        .join(Order, Order.id == Ticket.order_id)
        .outerjoin(
            OrderItem, and_(OrderItem.order_id == Ticket.order_id, OrderItem.seat_id == Seat.id)
        )
    )
    stmt = stmt.where(Ticket.voided_at.is_(None))
    if order_ids is not None:
        stmt = stmt.where(Ticket.order_id.in_(order_ids))
    if ticket_ids is not None:
        stmt = stmt.where(Ticket.id.in_(ticket_ids))
    views = [
        TicketView(
            id=ticket.id,
            order_id=ticket.order_id,
            seat_id=seat.id,
            section=seat.section,
            row=seat.row,
            number=seat.number,
            price_minor=seat.price_minor if amount is None else amount,
            currency=currency,
            code=ticket.code,
            short_code=ticket.short_code,
            issued_at=ticket.issued_at,
            checked_in_at=ticket.checked_in_at,
        )
        for ticket, seat, currency, amount in session.execute(stmt).all()
    ]
    return sorted(views, key=lambda t: (str(t.order_id), *_seat_order(t.section, t.row, t.number)))


def _seat_order(section: str, row: str, number: str) -> tuple[str, str, int, str]:
    return (section, row, int(number) if number.isascii() and number.isdigit() else 0, number)
