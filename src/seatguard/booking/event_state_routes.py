"""Moving an event between states: publish, close sales, reopen sales. Admins only, audited."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from seatguard.admin import audit
from seatguard.booking import catalogue
from seatguard.booking.domain import EventAction
from seatguard.booking.event_states import move_event
from seatguard.booking.schemas import EventOut
from seatguard.common.deps import AdminUser, DatabaseDep, NowDep
from seatguard.common.schemas import ERROR_RESPONSES

router = APIRouter(responses=ERROR_RESPONSES, tags=["events"])

AUDITED = {
    EventAction.PUBLISH: audit.Action.EVENT_PUBLISHED,
    EventAction.CLOSE_SALES: audit.Action.EVENT_SALES_CLOSED,
    EventAction.REOPEN_SALES: audit.Action.EVENT_SALES_REOPENED,
}


def _move(
    db: DatabaseDep, *, event_id: uuid.UUID, action: EventAction, now: NowDep, admin: AdminUser
) -> EventOut:
    with db.unit_of_work() as session:
        before, after = move_event(session, event_id=event_id, action=action, now=now)
        audit.record(
            session,
            actor=audit.Actor.of(admin),
            action=AUDITED[action],
            target_type="event",
            target_id=event_id,
            now=now,
            details={"from": before, "to": after},
        )
        return catalogue.get_event(session, event_id=event_id, now=now, drafts=True)


@router.post("/events/{event_id}/publish", response_model=EventOut)
def publish_event(event_id: uuid.UUID, db: DatabaseDep, now: NowDep, admin: AdminUser) -> EventOut:
    """DRAFT → ON_SALE: buyers see the event and may buy within its sales window."""
    return _move(db, event_id=event_id, action=EventAction.PUBLISH, now=now, admin=admin)


@router.post("/events/{event_id}/close-sales", response_model=EventOut)
def close_sales(event_id: uuid.UUID, db: DatabaseDep, now: NowDep, admin: AdminUser) -> EventOut:
    """ON_SALE → SALES_CLOSED: still shown, nothing more can be held or checked out. Payments
    of checkouts already open still complete."""
    return _move(db, event_id=event_id, action=EventAction.CLOSE_SALES, now=now, admin=admin)


@router.post("/events/{event_id}/reopen-sales", response_model=EventOut)
def reopen_sales(event_id: uuid.UUID, db: DatabaseDep, now: NowDep, admin: AdminUser) -> EventOut:
    """SALES_CLOSED → ON_SALE (the sales window still applies)."""
    return _move(db, event_id=event_id, action=EventAction.REOPEN_SALES, now=now, admin=admin)
