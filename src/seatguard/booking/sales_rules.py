"""The sales rule as errors: why an event sells nothing now, why a sales window is wrong.

``domain.why_not_on_sale`` decides; this turns its answer into the ``Conflict`` every entry
point answers with (the ORM hold, PostgreSQL's hold statement, checkout), so the codes and
words are the same whichever door the buyer came through.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatguard.booking.domain import SalesWindow, why_not_on_sale, window_problem
from seatguard.booking.models import Event
from seatguard.common.errors import Conflict, Invalid


def window_of(event: Event) -> SalesWindow:
    return SalesWindow(
        status=event.status,
        starts_at=event.starts_at,
        sales_start_at=event.sales_start_at,
        sales_end_at=event.sales_end_at,
    )


def read_window(session: Session, event_id: uuid.UUID) -> tuple[SalesWindow, str] | None:
    """The event's sales window and time zone, read alone (no seat counts), or None when
    there is no such event."""
    row = session.execute(
        select(
            Event.status, Event.starts_at, Event.sales_start_at, Event.sales_end_at, Event.timezone
        ).where(Event.id == event_id)
    ).one_or_none()
    if row is None:
        return None
    status, starts_at, sales_start_at, sales_end_at, zone = row
    window = SalesWindow(
        status=status,
        starts_at=starts_at,
        sales_start_at=sales_start_at,
        sales_end_at=sales_end_at,
    )
    return window, zone


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def refuse_sale(window: SalesWindow, *, now: datetime) -> None:
    """Raise the 409 that says why the event sells nothing at ``now``; return if it sells."""
    reason = why_not_on_sale(window, now=now)
    if reason is None:
        return
    if reason == "event_not_on_sale":
        raise Conflict("This event is not on sale.", code=reason)
    if reason == "event_started":
        raise Conflict("This event has already started.", code=reason)
    if reason == "sales_not_open":
        raise Conflict(
            "Sales for this event have not opened yet.",
            code=reason,
            details={"salesStartAt": _instant(window.sales_start_at)},
        )
    raise Conflict(
        "Sales for this event are closed.",
        code="sales_closed",
        details={"salesEndAt": _instant(window.sales_end_at)},
    )


def check_window(
    *, starts_at: datetime, sales_start_at: datetime | None, sales_end_at: datetime | None
) -> None:
    """422 ``invalid_sales_window`` unless sales open before they close and close by the start."""
    problem = window_problem(
        starts_at=starts_at, sales_start_at=sales_start_at, sales_end_at=sales_end_at
    )
    if problem == "ends_after_start":
        raise Invalid("Sales must close by the time the event starts.", code="invalid_sales_window")
    if problem == "opens_after_start":
        raise Invalid("Sales must open before the event starts.", code="invalid_sales_window")
    if problem is not None:
        raise Invalid("Sales must open before they close.", code="invalid_sales_window")
