"""Back-office actions on one order: refund it (whole or chosen seats), resend its email.

Each action and its audit entry commit together. A refund request carries a key (the
client's ``Idempotency-Key``, else a fresh one): the same key answers the same refund again
and never asks the gateway twice; another request for seats already refunded is refused.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatguard.admin import audit
from seatguard.admin.models import AuditEntry
from seatguard.booking import partial_refunds, refunds
from seatguard.booking.domain import OrderStatus
from seatguard.booking.models import OrderItem, OrderRefund
from seatguard.booking.order_state import email_job, lock_order
from seatguard.common.db import Database
from seatguard.common.errors import Conflict, Invalid
from seatguard.payments.gateway import GatewayError, PaymentGateway
from seatguard.queue.base import Queue

log = logging.getLogger("seatguard.admin")


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundRequest:
    order_id: uuid.UUID
    seat_ids: tuple[uuid.UUID, ...] | None  # None: the whole order
    key: str | None
    reason: str
    actor: audit.Actor


def refund(
    *, db: Database, gateway: PaymentGateway, queue: Queue, request: RefundRequest, now: datetime
) -> uuid.UUID:
    """Refund the order (or its chosen seats); the id of the request's ``order_refunds`` row."""
    key = request.key or uuid.uuid4().hex
    with db.unit_of_work() as session:
        order = lock_order(session, request.order_id)
        done = session.scalar(
            select(OrderRefund).where(
                OrderRefund.order_id == order.id, OrderRefund.request_key == key
            )
        )
        if done is not None:  # the same request again: the same answer, nothing asked twice
            return done.id
        if order.status != OrderStatus.COMPLETED:
            raise Conflict(
                f"This order is {order.status}; only a completed order can be refunded.",
                code="order_not_refundable",
                details={"orderId": str(order.id), "status": order.status},
            )
        items = _chosen(session, order.id, request.seat_ids)
        live = session.scalar(
            select(func.count())
            .select_from(OrderItem)
            .where(OrderItem.order_id == order.id, OrderItem.refund_id.is_(None))
        )
        whole = len(items) == live
        if whole:
            row = _whole_request(session, order.id, items, key, request, now)
        else:
            row = partial_refunds.claim_seats(
                session,
                order=order,
                items=items,
                queue=queue,
                request_key=key,
                reason=request.reason,
                requested_by=request.actor.id,
                now=now,
            )
        audit.record(
            session,
            actor=request.actor,
            action=audit.Action.ORDER_REFUNDED,
            target_type="order",
            target_id=order.id,
            now=now,
            details={
                "amount": row.amount,
                "whole": whole,
                "seatIds": sorted(str(item.seat_id) for item in items),
                "reason": request.reason,
            },
        )
        refund_id = row.id
    try:
        if whole:
            refunds.refund_order(
                db=db,
                gateway=gateway,
                queue=queue,
                order_id=request.order_id,
                reason=refunds.BY_ADMIN,
                now=now,
            )
        else:
            partial_refunds.ask_gateway(db=db, gateway=gateway, refund_id=refund_id, now=now)
    except GatewayError as exc:  # recorded and claimed: the sweeper asks again
        log.warning(
            "refund %s of order %s waits for the gateway: %s", refund_id, request.order_id, exc
        )
    return refund_id


def _chosen(
    session: Session, order_id: uuid.UUID, seat_ids: tuple[uuid.UUID, ...] | None
) -> list[OrderItem]:
    items = list(
        session.scalars(select(OrderItem).where(OrderItem.order_id == order_id).with_for_update())
    )
    if seat_ids is None:
        return [item for item in items if item.refund_id is None]
    by_seat = {item.seat_id: item for item in items}
    unknown = sorted(str(s) for s in set(seat_ids) - by_seat.keys())
    if unknown:
        raise Invalid(
            "These seats are not part of this order.",
            code="seat_not_in_order",
            details={"seatIds": unknown},
        )
    again = sorted(str(s) for s in set(seat_ids) if by_seat[s].refund_id is not None)
    if again:
        raise Conflict(
            "These seats were refunded already.",
            code="seats_already_refunded",
            details={"seatIds": again},
        )
    return [by_seat[s] for s in sorted(set(seat_ids))]


def _whole_request(
    session: Session,
    order_id: uuid.UUID,
    items: list[OrderItem],
    key: str,
    request: RefundRequest,
    now: datetime,
) -> OrderRefund:
    """Keep the request (for its key); ``refunds.refund_order`` does the rest."""
    row = OrderRefund(
        id=uuid.uuid4(),
        order_id=order_id,
        request_key=key,
        amount=sum(item.amount for item in items),
        whole=True,
        reason=request.reason,
        requested_by=request.actor.id,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    return row


def resend_confirmation(
    *, db: Database, queue: Queue, order_id: uuid.UUID, actor: audit.Actor, now: datetime
) -> str:
    """Queue the confirmation email once more (a new sent-record key); the key."""
    with db.unit_of_work() as session:
        order = lock_order(session, order_id)
        if order.status != OrderStatus.COMPLETED:
            raise Conflict(
                f"This order is {order.status}; only a completed order has tickets to send.",
                code="order_not_completed",
                details={"orderId": str(order.id), "status": order.status},
            )
        resent = session.scalar(  # counted under the order's lock: each resend its own key
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == audit.Action.EMAIL_RESENT.value,
                AuditEntry.target_id == str(order_id),
            )
        )
        record = f"confirmation-resend-{(resent or 0) + 1}"
        body, key = email_job(order_id, "confirmation", record=record)
        queue.send(body, session=session, dedupe_key=key)
        audit.record(
            session,
            actor=actor,
            action=audit.Action.EMAIL_RESENT,
            target_type="order",
            target_id=order_id,
            now=now,
            details={"email": "confirmation", "record": record},
        )
    return record
