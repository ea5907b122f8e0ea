"""Giving money back: the one path every refund takes, whatever the reason.

``refund_order`` works in three steps, each safe to repeat, so a crash anywhere is resumed
by running it again (a queue retry, or the sweeper: ``refunds_to_resume``):

1. claim — lock the order and move it to REFUNDING with a reason: its tickets are void from
   that moment (check-in admits COMPLETED orders only), its seats are freed, the buyer's
   email is queued in the same transaction;
2. ask the gateway for the refund, with an idempotency key per attempt, so a repeated call
   never refunds twice;
3. record the refund's status: ``succeeded`` makes the order REFUNDED; ``pending`` waits for
   the gateway's ``refund.updated``/``charge.refunded`` event; ``failed`` raises an alert and
   leaves the order REFUNDING for the sweeper to try again with a new attempt.

An order is REFUNDED only when the gateway says the money went back.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from seatguard.booking import live
from seatguard.booking.domain import OPEN_ORDER_STATUSES, OrderStatus
from seatguard.booking.models import Order
from seatguard.booking.order_state import (
    Fulfilment,
    Outcome,
    email_job,
    lock_order,
    release_seats,
    void_tickets,
)
from seatguard.common import metrics
from seatguard.common.db import Database
from seatguard.payments.gateway import GatewayError, PaymentGateway, Refund
from seatguard.queue.base import Queue

log = logging.getLogger("seatguard.refunds")

# Why an order is refunded (its ``status_reason``). The ALERTING ones mean something went
# wrong with a paid order and an operator is alerted; the others (seats_taken, event_started,
# order_cancelled, event_cancelled) are the engine doing its job.
GAVE_UP = "fulfilment_failed"
EVENT_CANCELLED = "event_cancelled"
BY_ADMIN = "refunded_by_admin"
ALERTING = frozenset({GAVE_UP, "amount_mismatch"})
# Reasons that may take back a COMPLETED order (its tickets are voided).
UNDO_SALE = frozenset({EVENT_CANCELLED, BY_ADMIN})
SETTLED = ("succeeded",)
IN_FLIGHT = ("pending", "requires_action")
MAX_REFUND_ATTEMPTS = 10


def refund_order(
    *,
    db: Database,
    gateway: PaymentGateway,
    queue: Queue,
    order_id: uuid.UUID,
    reason: str,
    now: datetime,
    payment_intent_id: str | None = None,
) -> Fulfilment:
    """Refund a paid order that will not (or no longer) be fulfilled. Idempotent."""
    with db.unit_of_work() as session:
        order = lock_order(session, order_id)
        status = OrderStatus(order.status)
        if status is OrderStatus.REFUNDED:
            return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order_id)
        if status is OrderStatus.COMPLETED and reason not in UNDO_SALE:
            return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order_id)
        if status in OPEN_ORDER_STATUSES or status is OrderStatus.COMPLETED:
            _claim(
                session,
                order,
                queue=queue,
                reason=reason,
                now=now,
                payment_intent_id=payment_intent_id,
            )
        if order.refund_status in SETTLED:
            return Fulfilment(outcome=Outcome.REFUNDING, order_id=order_id)
        pending = order.refund_id if order.refund_status in IN_FLIGHT else None
        intent, session_id = order.payment_intent_id, order.checkout_session_id
        attempt = order.refund_attempts
        if order.status_reason in ALERTING:
            log.error("paid order %s cannot be fulfilled (%s): refunding", order_id, reason)
    if pending:  # asked already: only read how it is going (its webhook may have been lost)
        refund = gateway.retrieve_refund(pending)
        return record_refund(db=db, order_id=order_id, refund=refund, now=now)
    if not intent and session_id:
        intent = gateway.retrieve_checkout_session(session_id).payment_intent
    if not intent:
        raise GatewayError(f"order {order_id} has no payment to refund")
    key = f"refund-{order_id}" if attempt == 0 else f"refund-{order_id}-{attempt}"
    try:
        refund = gateway.refund(payment_intent_id=intent, idempotency_key=key)
    except GatewayError as exc:
        if exc.code == "charge_already_refunded":  # refunded outside SeatGuard
            refund = Refund(id="", status="succeeded", amount=0)
        elif exc.retryable:
            raise  # an outage: the queue or the sweeper tries again
        else:  # refused: counted as a failed attempt, alerted, retried later with a new key
            log.error("the gateway refused to refund order %s: %s", order_id, exc)
            refund = Refund(id="", status="failed", amount=0)
    return record_refund(db=db, order_id=order_id, refund=refund, now=now, payment_intent_id=intent)


def _claim(
    session: Session,
    order: Order,
    *,
    queue: Queue,
    reason: str,
    now: datetime,
    payment_intent_id: str | None,
) -> None:
    """REFUNDING from now on: tickets void, seats freed, the buyer's email queued."""
    undo_sale = order.status == OrderStatus.COMPLETED
    order.status = OrderStatus.REFUNDING.value
    order.status_reason = reason
    order.payment_intent_id = payment_intent_id or order.payment_intent_id
    order.updated_at = now
    freed = release_seats(session, order.id, now, sold_too=undo_sale)
    void_tickets(session, order.id, now)
    live.announce(session, live.freed(order.event_id, freed))
    if reason in ALERTING:
        metrics.FULFILMENT_GAVE_UP.labels(reason).inc()
    body, key = email_job(order.id, "event_cancelled" if reason == EVENT_CANCELLED else "refund")
    queue.send(body, session=session, dedupe_key=key)


def record_refund(
    *,
    db: Database,
    order_id: uuid.UUID,
    refund: Refund,
    now: datetime,
    payment_intent_id: str | None = None,
) -> Fulfilment:
    """Store what the gateway says of the order's refund; REFUNDED once the money went back."""
    with db.unit_of_work() as session:
        order = lock_order(session, order_id)
        if order.status == OrderStatus.REFUNDED:
            return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order_id)
        order.refund_id = refund.id or order.refund_id
        order.payment_intent_id = order.payment_intent_id or payment_intent_id
        order.refund_status = refund.status
        order.updated_at = now
        if refund.status in SETTLED:
            order.status = OrderStatus.REFUNDED.value
            log.info("order %s refunded (%s)", order_id, order.status_reason)
            return Fulfilment(outcome=Outcome.REFUNDED, order_id=order_id)
        if refund.status in IN_FLIGHT:
            return Fulfilment(outcome=Outcome.REFUNDING, order_id=order_id)
        order.refund_attempts += 1  # failed or canceled: the next try uses a new key
        metrics.REFUND_FAILURES.inc()
        if order.refund_attempts >= MAX_REFUND_ATTEMPTS:
            log.error("order %s: refund gave up after %d attempts", order_id, MAX_REFUND_ATTEMPTS)
        log.error(
            "refund %s of order %s is %s (attempt %d); it will be retried",
            refund.id,
            order_id,
            refund.status,
            order.refund_attempts,
        )
        return Fulfilment(outcome=Outcome.REFUNDING, order_id=order_id)


def refunds_to_resume(
    db: Database,
    *,
    now: datetime,
    idle: timedelta = timedelta(minutes=1),
    poll: timedelta = timedelta(hours=1),
    limit: int = 100,
) -> list[uuid.UUID]:
    """REFUNDING orders whose refund was never asked for (a crash between the claim and the
    gateway) or failed, untouched for ``idle``; and pending ones not heard of for ``poll``."""
    retry = and_(
        or_(Order.refund_status.is_(None), Order.refund_status.not_in(SETTLED + IN_FLIGHT)),
        Order.refund_attempts < MAX_REFUND_ATTEMPTS,
        Order.updated_at <= now - idle,
    )
    stale = and_(Order.refund_status.in_(IN_FLIGHT), Order.updated_at <= now - poll)
    with db.reader() as session:
        return list(
            session.scalars(
                select(Order.id)
                .where(Order.status == OrderStatus.REFUNDING.value, or_(retry, stale))
                .order_by(Order.updated_at)
                .limit(limit)
            )
        )
