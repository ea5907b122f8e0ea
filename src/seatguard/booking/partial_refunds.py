"""Giving back the money of some of a paid order's seats; the order stays COMPLETED.

Like ``refunds.refund_order`` it works in steps, each safe to repeat:

1. claim (the caller's unit of work, see ``claim_seats``): an ``order_refunds`` row for the
   request, the chosen items marked with it, their tickets void, their seats AVAILABLE again
   (announced on the live map), the buyer's email queued — all or nothing. An item already
   marked is never chosen again, so the same seat is never refunded twice;
2. ask the gateway for that row's amount with an idempotency key per attempt
   (``ask_gateway``); an outage leaves the row unanswered and a refusal marks it failed;
3. the sweeper resumes unanswered, failed and long-pending rows (``refunds_to_resume``).
   Once the whole order is refunded, an unfinished row is left alone: the whole refund
   asks the gateway for all that is left of the payment, its seats included.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from seatguard.booking import live
from seatguard.booking.domain import OrderStatus, SeatStatus
from seatguard.booking.holds import unheld
from seatguard.booking.models import Order, OrderItem, OrderRefund, Seat
from seatguard.booking.order_state import email_job, void_tickets
from seatguard.booking.refunds import IN_FLIGHT, MAX_REFUND_ATTEMPTS, SETTLED
from seatguard.common import metrics
from seatguard.common.db import Database
from seatguard.payments.gateway import GatewayError, PaymentGateway, Refund
from seatguard.queue.base import Queue

log = logging.getLogger("seatguard.refunds")
EMAIL_KIND = "partial_refund"


def claim_seats(
    session: Session,
    *,
    order: Order,
    items: list[OrderItem],
    queue: Queue,
    request_key: str,
    reason: str,
    requested_by: str,
    now: datetime,
) -> OrderRefund:
    """Record the refund of ``items`` (unrefunded items of the locked ``order``)."""
    refund = OrderRefund(
        id=uuid.uuid4(),
        order_id=order.id,
        request_key=request_key,
        amount=sum(item.amount for item in items),
        whole=False,
        reason=reason,
        requested_by=requested_by,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(refund)
    session.flush()
    seat_ids = sorted(item.seat_id for item in items)
    for item in items:
        item.refund_id = refund.id
    void_tickets(session, order.id, now, seat_ids)
    freed = list(
        session.execute(
            update(Seat)
            .where(
                Seat.id.in_(seat_ids),
                Seat.order_id == order.id,
                Seat.status == SeatStatus.SOLD.value,
            )
            .values(unheld(now))
            .returning(Seat.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    live.announce(session, live.freed(order.event_id, freed))
    order.updated_at = now
    count = session.scalar(
        select(func.count()).select_from(OrderRefund).where(OrderRefund.order_id == order.id)
    )
    body, key = email_job(order.id, EMAIL_KIND, record=f"{EMAIL_KIND}-{count}", refund_id=refund.id)
    queue.send(body, session=session, dedupe_key=key)
    return refund


def ask_gateway(
    *, db: Database, gateway: PaymentGateway, refund_id: uuid.UUID, now: datetime
) -> str | None:
    """Ask for (or about) the refund of row ``refund_id``; its status afterwards. An outage
    (a retryable gateway error) raises, leaving the row for the sweeper."""
    with db.reader() as session:
        row = session.get(OrderRefund, refund_id)
        if row is None or row.whole or row.status in SETTLED:
            return row.status if row else None
        order = session.get(Order, row.order_id)
        assert order is not None
        if order.status != OrderStatus.COMPLETED.value:  # refunded whole since: covered
            return row.status
        pending = row.gateway_refund_id if row.status in IN_FLIGHT else None
        intent, session_id = order.payment_intent_id, order.checkout_session_id
        key = f"refund-{row.order_id}-{row.id.hex[:12]}-{row.attempts}"
        amount = row.amount
    if pending:
        return _record(db, refund_id, gateway.retrieve_refund(pending), now)
    if not intent and session_id:
        intent = gateway.retrieve_checkout_session(session_id).payment_intent
    if not intent:
        raise GatewayError(f"order {row.order_id} has no payment to refund")
    try:
        refund = gateway.refund(payment_intent_id=intent, idempotency_key=key, amount=amount)
    except GatewayError as exc:
        if exc.retryable:
            raise
        log.error("the gateway refused partial refund %s: %s", refund_id, exc)
        refund = Refund(id="", status="failed", amount=0)
    return _record(db, refund_id, refund, now)


def _record(db: Database, refund_id: uuid.UUID, refund: Refund, now: datetime) -> str | None:
    with db.unit_of_work() as session:
        row = session.get(OrderRefund, refund_id, with_for_update=True)
        assert row is not None
        if row.status in SETTLED:
            return row.status
        row.gateway_refund_id = refund.id or row.gateway_refund_id
        row.status = refund.status
        row.updated_at = now
        if refund.status not in SETTLED + IN_FLIGHT:
            row.attempts += 1  # the next try uses a new idempotency key
            metrics.REFUND_FAILURES.inc()
            log.error(
                "partial refund %s is %s (attempt %d)", refund_id, refund.status, row.attempts
            )
        return row.status


def refunds_to_resume(
    db: Database,
    *,
    now: datetime,
    idle: timedelta = timedelta(minutes=1),
    poll: timedelta = timedelta(hours=1),
    limit: int = 100,
) -> list[uuid.UUID]:
    """Partial refunds never answered or failed (untouched for ``idle``), and pending ones
    not heard of for ``poll``."""
    retry = and_(
        or_(OrderRefund.status.is_(None), OrderRefund.status.not_in(SETTLED + IN_FLIGHT)),
        OrderRefund.attempts < MAX_REFUND_ATTEMPTS,
        OrderRefund.updated_at <= now - idle,
    )
    stale = and_(OrderRefund.status.in_(IN_FLIGHT), OrderRefund.updated_at <= now - poll)
    with db.reader() as session:
        return list(
            session.scalars(
                select(OrderRefund.id)
                .join(Order, Order.id == OrderRefund.order_id)
                .where(
                    OrderRefund.whole.is_(False),
                    Order.status == OrderStatus.COMPLETED.value,
                    or_(retry, stale),
                )
                .order_by(OrderRefund.updated_at)
                .limit(limit)
            )
        )
