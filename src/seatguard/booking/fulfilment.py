"""Fulfilment of paid checkouts, expiry of unpaid ones, refunds of payments that came too late.

Every step is idempotent: the order row is locked first and its status decides what is left
to do, so a redelivered message, a duplicate webhook or a retry after a crash changes
nothing the second time. The seats move with one conditional UPDATE whose row count is the
answer; a payment whose seats went to someone else is refunded, never double-sold.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from seatguard.booking import live
from seatguard.booking.domain import OrderStatus, SeatStatus
from seatguard.booking.holds import free_now, unheld
from seatguard.booking.models import Order, OrderItem, Seat
from seatguard.common.db import Database
from seatguard.common.errors import NotFound
from seatguard.payments.gateway import CheckoutSession, PaymentGateway
from seatguard.queue.base import Queue
from seatguard.tickets.issue import issue_tickets

log = logging.getLogger("seatguard.fulfilment")

OPEN = (OrderStatus.PENDING.value, OrderStatus.EXPIRED.value, OrderStatus.FAILED.value)


class Outcome(StrEnum):
    COMPLETED = "completed"
    ALREADY_DONE = "already_done"
    REFUNDED = "refunded"
    EXPIRED = "expired"
    NOT_PAID = "not_paid"


@dataclass(frozen=True, slots=True, kw_only=True)
class Fulfilment:
    outcome: Outcome
    order_id: uuid.UUID
    seat_ids: tuple[uuid.UUID, ...] = ()


def email_job(order_id: uuid.UUID, kind: str) -> tuple[dict[str, str], str]:
    return {
        "type": "email.send",
        "order_id": str(order_id),
        "kind": kind,
    }, f"email:{kind}:{order_id}"


def _lock_order(session: Session, order_id: uuid.UUID) -> Order:
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


class _CannotSell(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _take_seats(session: Session, order: Order, now: datetime) -> tuple[uuid.UUID, ...]:
    """Sell the order's seats if all are still its own or free; raise if any went elsewhere."""
    seat_ids = list(
        session.scalars(select(OrderItem.seat_id).where(OrderItem.order_id == order.id))
    )
    ours = and_(Seat.status == SeatStatus.LOCKED.value, Seat.order_id == order.id)
    sold = (
        session.execute(
            update(Seat)
            .where(Seat.id.in_(seat_ids), or_(ours, free_now(now)))
            .values(
                status=SeatStatus.SOLD.value,
                held_by=order.user_id,
                held_until=None,
                order_id=order.id,
                version=Seat.version + 1,
                updated_at=now,
            )
            .returning(Seat.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    if len(sold) != len(seat_ids):
        raise _CannotSell("seats_taken")
    return tuple(sorted(sold))


def _release_seats(session: Session, order_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """Free the seats still held for this order (never touching anyone else's)."""
    return list(
        session.execute(
            update(Seat)
            .where(Seat.order_id == order_id, Seat.status == SeatStatus.LOCKED.value)
            .values(unheld(now))
            .returning(Seat.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )


def fulfil(
    *,
    db: Database,
    gateway: PaymentGateway,
    queue: Queue,
    session_id: str,
    now: datetime,
    ticket_key: Ed25519PrivateKey,
) -> Fulfilment:
    """Handle a completed checkout session: sell, or refund when the seats are gone."""
    checkout = gateway.retrieve_checkout_session(session_id)  # never trust the webhook body
    order_id = order_id_of(checkout)
    if checkout.status != "complete" or checkout.payment_status != "paid":
        log.warning(
            "session %s is %s/%s; nothing to fulfil",
            session_id,
            checkout.status,
            checkout.payment_status,
        )
        return Fulfilment(outcome=Outcome.NOT_PAID, order_id=order_id)

    try:
        with db.unit_of_work() as session:
            order = _lock_order(session, order_id)
            if order.status in (OrderStatus.COMPLETED, OrderStatus.REFUNDED):
                return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order.id)
            matches = (
                checkout.amount_total == order.amount_total
                and (checkout.currency or "").lower() == order.currency
            )
            if not matches:
                raise _CannotSell("amount_mismatch")
            seats = _take_seats(session, order, now)  # raises _CannotSell: all rolled back
            _complete(session, order, checkout, now, ticket_key)
            live.announce(session, live.sold(order.event_id, seats))
            body, key = email_job(order.id, "confirmation")
            queue.send(body, session=session, dedupe_key=key)
            return Fulfilment(outcome=Outcome.COMPLETED, order_id=order.id, seat_ids=seats)
    except _CannotSell as exc:
        reason = exc.reason

    # The seats went to someone else (or the amount is wrong): give the money back.
    refund = gateway.refund(
        payment_intent_id=checkout.payment_intent or "", idempotency_key=f"refund-{order_id}"
    )
    with db.unit_of_work() as session:
        order = _lock_order(session, order_id)
        if order.status in (OrderStatus.COMPLETED, OrderStatus.REFUNDED):
            return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order.id)
        order.status = OrderStatus.REFUNDED.value
        order.status_reason = reason
        order.refund_id = refund.id
        order.payment_intent_id = checkout.payment_intent
        order.updated_at = now
        live.announce(session, live.freed(order.event_id, _release_seats(session, order.id, now)))
        body, key = email_job(order.id, "refund")
        queue.send(body, session=session, dedupe_key=key)
    log.warning("order %s refunded: %s", order_id, reason)
    return Fulfilment(outcome=Outcome.REFUNDED, order_id=order_id)


def _complete(
    session: Session,
    order: Order,
    checkout: CheckoutSession,
    now: datetime,
    ticket_key: Ed25519PrivateKey,
) -> None:
    order.status = OrderStatus.COMPLETED.value
    order.completed_at = now
    order.updated_at = now
    order.payment_intent_id = checkout.payment_intent
    order.customer_email = checkout.customer_email or order.customer_email
    order.customer_name = checkout.customer_name or order.customer_name
    session.flush()
    issue_tickets(session, order_id=order.id, private_key=ticket_key, now=now)


def expire(
    *, db: Database, gateway: PaymentGateway, queue: Queue, order_id: uuid.UUID, now: datetime
) -> Fulfilment:
    """An unpaid order's time is up: expire its session first, then free its seats.

    If the gateway says the session already completed, the seats stay with the order and
    fulfilment is queued (the webhook may have been lost): they are never freed under a payment.
    """
    with db.reader() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFound(f"No order {order_id}.", code="order_not_found")
        session_id = order.checkout_session_id
    if session_id:
        checkout = gateway.expire_checkout_session(session_id)
        if checkout.status == "complete":
            queue.send(
                {"type": "payment.checkout_completed", "session_id": session_id},
                dedupe_key=f"reconcile:{session_id}",
            )
            return Fulfilment(outcome=Outcome.NOT_PAID, order_id=order_id)
    with db.unit_of_work() as session:
        order = _lock_order(session, order_id)
        if order.status != OrderStatus.PENDING:
            freed = _release_seats(session, order.id, now) if order.status in OPEN else []
            live.announce(session, live.freed(order.event_id, freed))
            return Fulfilment(
                outcome=Outcome.ALREADY_DONE, order_id=order.id, seat_ids=tuple(freed)
            )
        order.status = OrderStatus.EXPIRED.value
        order.status_reason = "hold_expired"
        order.updated_at = now
        freed = _release_seats(session, order.id, now)
        live.announce(session, live.freed(order.event_id, freed))
    return Fulfilment(outcome=Outcome.EXPIRED, order_id=order_id, seat_ids=tuple(freed))


def due_for_expiry(db: Database, *, now: datetime, limit: int = 100) -> list[uuid.UUID]:
    """PENDING orders whose hold has run out, oldest first."""
    with db.reader() as session:
        return list(
            session.scalars(
                select(Order.id)
                .where(Order.status == OrderStatus.PENDING.value, Order.hold_expires_at <= now)
                .order_by(Order.hold_expires_at)
                .limit(limit)
            )
        )
