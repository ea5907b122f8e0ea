"""Row-level steps shared by fulfilment, refunds and expiry: lock an order, free its seats,
queue its emails. Each runs in the caller's unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from seatguard.booking.domain import SeatStatus
from seatguard.booking.holds import unheld
from seatguard.booking.models import Order, Seat, Ticket
from seatguard.common.errors import NotFound
from seatguard.payments.gateway import CheckoutSession


class Outcome(StrEnum):
    COMPLETED = "completed"
    ALREADY_DONE = "already_done"
    REFUNDED = "refunded"
    REFUNDING = "refunding"
    EXPIRED = "expired"
    FAILED = "failed"
    NOT_PAID = "not_paid"
    AWAITING_PAYMENT = "awaiting_payment"


@dataclass(frozen=True, slots=True, kw_only=True)
class Fulfilment:
    outcome: Outcome
    order_id: uuid.UUID
    seat_ids: tuple[uuid.UUID, ...] = ()


def email_job(
    order_id: uuid.UUID, kind: str, *, record: str | None = None, refund_id: uuid.UUID | None = None
) -> tuple[dict[str, str], str]:
    """The queue message sending an order's ``kind`` email once per ``record`` (the kind
    itself unless the same kind may go out again: a resend, a second partial refund)."""
    body = {"type": "email.send", "order_id": str(order_id), "kind": kind}
    if record:
        body["record"] = record
    if refund_id:
        body["refund_id"] = str(refund_id)
    return body, f"email:{record or kind}:{order_id}"


def void_tickets(
    session: Session, order_id: uuid.UUID, now: datetime, seat_ids: list[uuid.UUID] | None = None
) -> int:
    """Void the order's live tickets (only those of ``seat_ids`` when given): refused at the
    door from now on, and their seats may be sold again with new tickets."""
    stmt = update(Ticket).where(Ticket.order_id == order_id, Ticket.voided_at.is_(None))
    if seat_ids is not None:
        stmt = stmt.where(Ticket.seat_id.in_(seat_ids))
    result = session.execute(
        stmt.values(voided_at=now).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def lock_order(session: Session, order_id: uuid.UUID) -> Order:
    order = session.scalars(
        select(Order).where(Order.id == order_id).with_for_update()
    ).one_or_none()
    if order is None:
        raise NotFound(f"No order {order_id}.", code="order_not_found")
    return order


def order_id_of(checkout: CheckoutSession) -> uuid.UUID:
    raw = checkout.metadata.get("order_id") or checkout.client_reference_id
    if not raw:
        raise NotFound(f"Session {checkout.id} names no order.", code="order_not_found")
    return uuid.UUID(raw)


def release_seats(
    session: Session, order_id: uuid.UUID, now: datetime, *, sold_too: bool = False
) -> list[uuid.UUID]:
    """Free the seats still held for this order (and, with ``sold_too``, those it bought);
    never anyone else's."""
    statuses = [SeatStatus.LOCKED.value] + ([SeatStatus.SOLD.value] if sold_too else [])
    return list(
        session.execute(
            update(Seat)
            .where(Seat.order_id == order_id, Seat.status.in_(statuses))
            .values(unheld(now))
            .returning(Seat.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
