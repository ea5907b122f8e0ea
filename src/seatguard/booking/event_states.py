"""An event's life: publish a draft, close sales, reopen them (cancelling is ``catalogue``'s).

Each move is one conditional UPDATE from the state it starts in, so two admins pressing at
once make one move and the other is told the event is no longer in that state (409).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from seatguard.booking.catalogue import load_event
from seatguard.booking.domain import EVENT_TRANSITIONS, EventAction
from seatguard.booking.models import Event
from seatguard.common.errors import Conflict


def move_event(
    session: Session, *, event_id: uuid.UUID, action: EventAction, now: datetime
) -> tuple[str, str]:
    """Apply ``action`` to the event; its status before and after (404, or 409 if the event is
    not in the state the action starts from)."""
    source, target = EVENT_TRANSITIONS[action]
    moved = session.execute(
        update(Event)
        .where(Event.id == event_id, Event.status == source.value)
        .values(status=target.value, updated_at=now)
        .returning(Event.id)
        .execution_options(synchronize_session="fetch")
    ).first()
    if moved is None:
        current = load_event(session, event_id).status  # 404 when there is no such event
        raise Conflict(
            f"A {current} event cannot {action.value.replace('-', ' ')}.",
            code="illegal_event_transition",
            details={"status": current, "action": action.value, "from": source.value},
        )
    return source.value, target.value
