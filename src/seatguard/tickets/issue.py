"""Issue the tickets of a paid order: one signed ticket per seat, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from seatguard.booking.models import Order, OrderItem, Seat, Ticket
from seatguard.common.errors import NotFound
from seatguard.tickets.codes import sign_ticket
from seatguard.tickets.short_codes import new_short_code
from seatguard.tickets.views import seat_label


def issue_tickets(
    session: Session, *, order_id: uuid.UUID, private_key: Ed25519PrivateKey, now: datetime
) -> list[uuid.UUID]:
    """Create the missing tickets for the order's seats; return all its ticket ids.

    Safe to call again: seats that already have a ticket of this order are skipped, and
    ``tickets.seat_id`` is unique, so a seat can never get two tickets. Short codes are
    unique too: a collision (one in 2**60 per pair) fails the transaction, which is retried.
    """
    event_id = session.scalar(select(Order.event_id).where(Order.id == order_id))
    if event_id is None:
        raise NotFound("No such order.", code="order_not_found")
    seats = session.execute(
        select(Seat.id, Seat.section, Seat.row, Seat.number)
        .join(OrderItem, OrderItem.seat_id == Seat.id)
        .where(OrderItem.order_id == order_id)
        .order_by(Seat.section, Seat.row, Seat.number)
    ).all()
    existing = {
        r.seat_id: r.id
        for r in session.execute(
            select(Ticket.seat_id, Ticket.id).where(Ticket.order_id == order_id)
        )
    }
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
        session.execute(insert(Ticket), rows)
    return list(existing.values())
