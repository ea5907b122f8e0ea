"""Paid orders with issued tickets, written straight to the tables (as the worker would)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update

from seatguard.booking.models import Event, Order, OrderItem, Seat, Ticket
from seatguard.common.db import Database
from seatguard.tickets.issue import issue_tickets
from tests.support.factories import make_event


@dataclass(frozen=True)
class PaidOrder:
    order_id: uuid.UUID
    event_id: uuid.UUID
    seat_ids: list[uuid.UUID]
    ticket_ids: list[uuid.UUID]
    codes: dict[uuid.UUID, str]  # ticket id -> code


def make_paid_order(
    db: Database,
    *,
    now: datetime,
    private_key: Ed25519PrivateKey,
    seats: int = 2,
    user_id: str = "alice",
    email: str | None = "ana@example.com",
    name: str = "Ana Peña",
    event_name: str = "Noche Electrónica",
    status: str = "COMPLETED",
    with_tickets: bool = True,
) -> PaidOrder:
    event_id, seat_ids = make_event(db, now=now, seats=max(seats, 1) + 2, price_minor=1500)
    chosen = seat_ids[:seats]
    with db.unit_of_work() as session:
        session.execute(update(Event).where(Event.id == event_id).values(name=event_name))
        order = Order(
            user_id=user_id,
            event_id=event_id,
            status=status,
            currency="usd",
            amount_total=1500 * seats,
            checkout_session_id=f"cs_test_{uuid.uuid4().hex}",
            customer_email=email,
            customer_name=name,
            created_at=now,
            updated_at=now,
            completed_at=now if status == "COMPLETED" else None,
        )
        session.add(order)
        session.flush()
        session.add_all(OrderItem(order_id=order.id, seat_id=s, amount=1500) for s in chosen)
        session.execute(
            update(Seat).where(Seat.id.in_(chosen)).values(status="SOLD", order_id=order.id)
        )
        session.flush()
        if with_tickets:
            issue_tickets(session, order_id=order.id, private_key=private_key, now=now)
        order_id = order.id
    with db.reader() as session:
        rows = session.execute(
            select(Ticket.id, Ticket.code).where(Ticket.order_id == order_id)
        ).all()
    return PaidOrder(
        order_id=order_id,
        event_id=event_id,
        seat_ids=chosen,
        ticket_ids=[r.id for r in rows],
        codes={r.id: r.code for r in rows},
    )
