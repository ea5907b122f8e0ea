"""The webhook inbox: record each gateway event once and queue the work it asks for."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatguard.common.logging import with_request_id
from seatguard.payments.models import PaymentEvent
from seatguard.queue.base import Queue

# Gateway event type -> queue message type. An async payment's success is fulfilled like a
# card payment (fulfilment reads the session's state from the gateway either way).
HANDLED = {
    "checkout.session.completed": "payment.checkout_completed",
    "checkout.session.async_payment_succeeded": "payment.checkout_completed",
    "checkout.session.async_payment_failed": "payment.async_payment_failed",
    "checkout.session.expired": "payment.checkout_expired",
    "charge.refunded": "payment.refund_updated",
    "charge.refund.updated": "payment.refund_updated",
    "refund.updated": "payment.refund_updated",
    "refund.failed": "payment.refund_updated",
    "charge.dispute.created": "payment.dispute",
    "charge.dispute.updated": "payment.dispute",
    "charge.dispute.closed": "payment.dispute",
}
DISPUTE_FIELDS = ("id", "amount", "currency", "reason", "status", "charge", "payment_intent")


def _work(message_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The queue message's fields for one event's object (ids only where the gateway can be
    asked; a dispute's own fields, which nothing else can tell us)."""
    object_id = str(obj.get("id", ""))
    if message_type == "payment.refund_updated":
        if obj.get("object") == "charge":  # charge.refunded: its latest refund, if listed
            listed = (obj.get("refunds") or {}).get("data") or [{}]
            refund_id = str(listed[0].get("id") or "") if isinstance(listed[0], dict) else ""
        else:
            refund_id = object_id
        return {"refund_id": refund_id, "payment_intent": str(obj.get("payment_intent") or "")}
    if message_type == "payment.dispute":
        return {"dispute": {k: obj.get(k) for k in DISPUTE_FIELDS}}
    return {"session_id": object_id}


def record_event(
    session: Session, *, event: dict[str, Any], queue: Queue, now: datetime
) -> tuple[bool, bool]:
    """Store the event and enqueue its work in the same transaction.

    Returns ``(duplicate, ignored)``. A duplicate event id changes nothing.
    """
    event_id = str(event.get("id", ""))
    kind = str(event.get("type", ""))
    message_type = HANDLED.get(kind)
    if message_type is None:
        return False, True
    if session.scalar(select(PaymentEvent.id).where(PaymentEvent.id == event_id)) is not None:
        return True, False
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not obj.get("id"):
        return False, True  # signed, but not something that can be acted on
    work = _work(message_type, obj)
    session.add(
        PaymentEvent(
            id=event_id,
            type=kind,
            session_id=work.get("session_id") or str(obj["id"]),
            payload=json.dumps(event),
            received_at=now,
        )
    )
    session.flush()  # a concurrent duplicate fails here, on the primary key, and rolls back
    queue.send(
        with_request_id({"type": message_type, **work, "event_id": event_id}),
        session=session,
        dedupe_key=f"event:{event_id}",
    )
    return False, False
