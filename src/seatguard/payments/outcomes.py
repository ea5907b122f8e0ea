"""Stripe's after-the-sale outcomes: refund status updates and disputes.

A refund can stay ``pending`` for days and can fail; the order is REFUNDED only when the
gateway says ``succeeded`` (``refunds.record_refund``). The webhook only names the refund:
its status is read from the gateway. A dispute (chargeback) is recorded as the signed event
describes it, counted in a metric and logged at error level for an operator, and shown to
admins with the order.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from seatguard.booking.models import Order
from seatguard.booking.order_state import Fulfilment, Outcome
from seatguard.booking.refunds import record_refund
from seatguard.common import metrics
from seatguard.common.db import Database
from seatguard.payments.gateway import PaymentGateway
from seatguard.payments.models import Dispute

log = logging.getLogger("seatguard.payments")


def refund_updated(
    *,
    db: Database,
    gateway: PaymentGateway,
    refund_id: str,
    payment_intent_id: str,
    now: datetime,
) -> Fulfilment | None:
    """Bring the order's stored refund status up to date with the gateway's."""
    with db.reader() as session:
        clauses = [Order.refund_id == refund_id] if refund_id else []
        if payment_intent_id:
            clauses.append(Order.payment_intent_id == payment_intent_id)
        order = (
            session.scalars(select(Order).where(or_(*clauses)).limit(1)).first()
            if clauses
            else None
        )
        if order is None:
            log.warning("refund %s (%s) matches no order", refund_id, payment_intent_id)
            return None
        order_id, current = order.id, order.refund_id
    if not current:
        return None  # our own refund call has not come back yet; it records the status
    if refund_id and refund_id != current:
        return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order_id)  # a superseded one
    refund = gateway.retrieve_refund(current)
    return record_refund(db=db, order_id=order_id, refund=refund, now=now)


def record_dispute(*, db: Database, dispute: dict[str, Any], now: datetime) -> None:
    """Insert or update the dispute, linked to the order that took the payment."""
    dispute_id = str(dispute["id"])
    intent = dispute.get("payment_intent")
    with db.unit_of_work() as session:
        order_id = (
            session.scalar(select(Order.id).where(Order.payment_intent_id == str(intent)))
            if intent
            else None
        )
        row = session.get(Dispute, dispute_id, with_for_update=True)
        if row is None:
            row = Dispute(id=dispute_id, created_at=now)
            session.add(row)
            metrics.DISPUTES.inc()
            log.error(
                "dispute %s opened on order %s (%s %s, %s)",
                dispute_id,
                order_id,
                dispute.get("amount"),
                dispute.get("currency"),
                dispute.get("reason"),
            )
        row.order_id = order_id
        row.payment_intent_id = str(intent) if intent else None
        row.charge_id = str(dispute["charge"]) if dispute.get("charge") else None
        row.amount = int(dispute.get("amount") or 0)
        row.currency = str(dispute.get("currency") or "")[:3]
        row.reason = str(dispute.get("reason") or "")[:64]
        row.status = str(dispute.get("status") or "")[:32]
        row.updated_at = now
