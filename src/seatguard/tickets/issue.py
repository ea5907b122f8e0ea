"""Issue the tickets of a paid order: one signed ticket per seat, in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.orm import Session

from seatguard.booking.models import Order, OrderItem, Seat, Ticket
from seatguard.common.errors import NotFound
from seatguard.tickets.codes import sign_ticket
from seatguard.tickets.short_codes import new_short_code
from seatguard.tickets.views import seat_label


class SeatRow(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def section(self) -> str: ...
    @property
    def row(self) -> str: ...
    @property
    def number(self) -> str: ...


_EVENT_OF = select(Order.event_id).where(Order.id == bindparam("order_id"))
SEATS_OF = (
    select(Seat.id, Seat.section, Seat.row, Seat.number)
    .join(OrderItem, OrderItem.seat_id == Seat.id)
    .where(OrderItem.order_id == bindparam("order_id"))
    .order_by(Seat.section, Seat.row, Seat.number)
)
# Core on the table: an ORM bulk insert costs more in SQLAlchemy than in the database.
_INSERT = insert(cast(Table, Ticket.__table__))
_EXISTING = select(Ticket.seat_id, Ticket.id).where(Ticket.order_id == bindparam("order_id"))


def issue_tickets(
    session: Session | Connection,
    *,
    order_id: uuid.UUID,
    private_key: Ed25519PrivateKey,
    now: datetime,
    event_id: uuid.UUID | None = None,
    seats: Sequence[SeatRow] | None = None,
) -> list[uuid.UUID]:
    """Create the missing tickets for the order's seats; return all its ticket ids.

    ``event_id`` and ``seats`` (the order's seats, as ``SEATS_OF`` reads them) are read
    here unless the caller, in the same transaction, has read them already.

    Safe to call again: seats that already have a ticket of this order are skipped, and
    ``tickets.seat_id`` is unique, so a seat can never get two tickets. Short codes are
    unique too: a collision (one in 2**60 per pair) fails the transaction, which is retried.
    """
    if event_id is None:
        event_id = session.execute(_EVENT_OF, {"order_id": order_id}).scalar()
        if event_id is None:
            raise NotFound("No such order.", code="order_not_found")
    if seats is None:
        seats = session.execute(SEATS_OF, {"order_id": order_id}).all()
    existing = {r.seat_id: r.id for r in session.execute(_EXISTING, {"order_id": order_id})}
    rows = []
    for seat in seats:
        if seat.id in existing:
            continue
        ticket_id = uuid.uuid4()
        code = sign_ticket(
            ticket_id=ticket_id,
            event_id=event_id,
            seat_label=seat_label(seat.section, seat.row, seat.number),
            private_key=private_key,
        )
        rows.append(
            {
                "id": ticket_id,
                "order_id": order_id,
                "seat_id": seat.id,
                "code": code,
                "short_code": new_short_code(),
                "issued_at": now,
            }
        )
        existing[seat.id] = ticket_id
    if rows:
        session.execute(_INSERT, rows)
    return list(existing.values())
