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

# Gateway event type -> queue message type. Card payments only: no async succeeded/failed.
HANDLED = {
    "checkout.session.completed": "payment.checkout_completed",
    "checkout.session.expired": "payment.checkout_expired",
}


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
    obj = event.get("data", {}).get("object", {})
    session_id = str(obj.get("id", ""))
    session.add(
        PaymentEvent(
            id=event_id,
            type=kind,
            session_id=session_id,
            payload=json.dumps(event),
            received_at=now,
        )
    )
    session.flush()  # a concurrent duplicate fails here, on the primary key, and rolls back
    queue.send(
        with_request_id({"type": message_type, "session_id": session_id, "event_id": event_id}),
        session=session,
        dedupe_key=f"event:{event_id}",
    )
    return False, False
