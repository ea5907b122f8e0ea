"""A cancelled event sells nothing more and gives back what it sold.

Cancelling marks the event CANCELLED (no hold, checkout or fulfilment accepts it from then
on) and queues one ``event.cancelled`` job in the same transaction. That job pages through
the event's orders by id: each page queues one ``order.event_cancelled`` message per order
and, if the page was full, the job for the next page — all in one transaction, every message
with a dedupe key. A worker that dies halfway leaves the job (or the next page's job) to be
delivered again; pages already done only find their messages there already. Each order's
message is itself idempotent (``refunds.refund_order``, ``expiry.expire_order``), so a
50,000-seat cancellation survives any number of crashes and refunds each order once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatguard.booking.domain import OrderStatus
from seatguard.booking.expiry import expire_order
from seatguard.booking.models import Order
from seatguard.booking.order_state import Fulfilment, Outcome
from seatguard.booking.refunds import EVENT_CANCELLED, refund_order
from seatguard.common.db import Database
from seatguard.payments.gateway import PaymentGateway
from seatguard.queue.base import Queue

PAGE = 500
# Orders a cancellation acts on: sold ones are refunded, open checkouts are expired.
AFFECTED = (OrderStatus.COMPLETED.value, OrderStatus.PENDING.value)


def cancellation_job(
    event_id: uuid.UUID, after: uuid.UUID | None = None
) -> tuple[dict[str, str], str]:
    body = {"type": "event.cancelled", "event_id": str(event_id)}
    if after is not None:
        body["after"] = str(after)
    return body, f"event-cancelled:{event_id}:{after or 'start'}"


def queue_cancellation(session: Session, *, queue: Queue, event_id: uuid.UUID) -> None:
    body, key = cancellation_job(event_id)
    queue.send(body, session=session, dedupe_key=key)


def fan_out_page(
    *,
    db: Database,
    queue: Queue,
    event_id: uuid.UUID,
    after: uuid.UUID | None,
    page: int | None = None,
) -> int:
    """Queue the settling of one page of the event's orders (and the next page's job)."""
    page = page or PAGE
    with db.unit_of_work() as session:
        query = select(Order.id).where(Order.event_id == event_id, Order.status.in_(AFFECTED))
        if after is not None:
            query = query.where(Order.id > after)
        ids = list(session.scalars(query.order_by(Order.id).limit(page)))
        for order_id in ids:
            queue.send(
                {"type": "order.event_cancelled", "order_id": str(order_id)},
                session=session,
                dedupe_key=f"event-cancelled-order:{order_id}",
            )
        if len(ids) == page:
            body, key = cancellation_job(event_id, ids[-1])
            queue.send(body, session=session, dedupe_key=key)
    return len(ids)


def settle_order(
    *, db: Database, gateway: PaymentGateway, queue: Queue, order_id: uuid.UUID, now: datetime
) -> Fulfilment:
    """One order of a cancelled event: refund it if sold, expire its checkout if open."""
    with db.reader() as session:
        status = session.scalar(select(Order.status).where(Order.id == order_id))
    if status == OrderStatus.PENDING:
        # gateway first; a session that completed meanwhile is reconciled into a refund
        return expire_order(
            db=db,
            gateway=gateway,
            queue=queue,
            order_id=order_id,
            now=now,
            reason=EVENT_CANCELLED,
        )
    if status in (OrderStatus.COMPLETED, OrderStatus.REFUNDING):
        return refund_order(
            db=db, gateway=gateway, queue=queue, order_id=order_id, reason=EVENT_CANCELLED, now=now
        )
    return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order_id)
