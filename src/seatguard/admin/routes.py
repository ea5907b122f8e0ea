"""Back-office API: the audit log, order search and CSV exports. Admins only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from seatguard.admin import audit, exports, posters, stats
from seatguard.admin.orders import search_orders
from seatguard.admin.schemas import (
    AuditEntryOut,
    EventDashboardOut,
    EventStatsOut,
    OrderSummaryOut,
)
from seatguard.booking.catalogue import get_event, load_event
from seatguard.booking.domain import OrderStatus
from seatguard.booking.routes import day_start
from seatguard.booking.schemas import EventOut
from seatguard.common.deps import AdminUser, DatabaseDep, NowDep, PageDep, ReaderDep
from seatguard.common.schemas import ERROR_RESPONSES

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)
poster_router = APIRouter(responses=ERROR_RESPONSES)

FromDay = Annotated[date | None, Query(alias="from", description="First day (UTC), inclusive")]
ToDay = Annotated[date | None, Query(alias="to", description="Last day (UTC), inclusive")]
CSV = "text/csv; charset=utf-8"


@router.get("/audit", response_model=list[AuditEntryOut])
def audit_log(
    session: ReaderDep,
    page: PageDep,
    response: Response,
    _admin: AdminUser,
    action: Annotated[audit.Action | None, Query()] = None,
    actor_id: Annotated[str | None, Query(alias="actorId", max_length=320)] = None,
    target_id: Annotated[str | None, Query(alias="targetId", max_length=320)] = None,
) -> list[AuditEntryOut]:
    """Every admin action, newest first: who, what, on which object, when."""
    found, total = audit.entries(
        session,
        action=action.value if action else None,
        actor_id=actor_id,
        target_id=target_id,
        offset=page.offset,
        limit=page.limit,
    )
    response.headers["X-Total-Count"] = str(total)
    return [AuditEntryOut.of(e) for e in found]


@router.get("/events", response_model=list[EventStatsOut])
def events_overview(session: ReaderDep, now: NowDep, _admin: AdminUser) -> list[EventStatsOut]:
    """Every event, cancelled ones included, with seats sold/held/free, takings and refunds."""
    return stats.events_overview(session, now=now)


@router.get("/events/{event_id}/dashboard", response_model=EventDashboardOut)
def event_dashboard(
    event_id: uuid.UUID, session: ReaderDep, now: NowDep, _admin: AdminUser
) -> EventDashboardOut:
    """One event's figures, by section and by day of sale."""
    event, sections, days = stats.event_dashboard(session, event_id=event_id, now=now)
    return EventDashboardOut(event=event, sections=sections, sales_by_day=days)


@router.get("/orders", response_model=list[OrderSummaryOut])
def find_orders(
    session: ReaderDep,
    page: PageDep,
    response: Response,
    _admin: AdminUser,
    q: Annotated[
        str | None, Query(max_length=200, description="Reference, order id, email or name")
    ] = None,
    status: OrderStatus | None = None,
    event_id: Annotated[uuid.UUID | None, Query(alias="eventId")] = None,
    created_from: FromDay = None,
    created_to: ToDay = None,
) -> list[OrderSummaryOut]:
    found, total = search_orders(
        session,
        q=q,
        status=status.value if status else None,
        event_id=event_id,
        created_from=day_start(created_from),
        created_before=day_start(created_to + timedelta(days=1)) if created_to else None,
        offset=page.offset,
        limit=page.limit,
    )
    response.headers["X-Total-Count"] = str(total)
    return found


POSTER_BODY = {
    "required": True,
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in posters.ACCEPTED},
}


@poster_router.put(
    "/events/{event_id}/poster",
    response_model=EventOut,
    tags=["events"],
    openapi_extra={"requestBody": POSTER_BODY},
)
async def upload_poster(
    event_id: uuid.UUID, request: Request, db: DatabaseDep, now: NowDep, admin: AdminUser
) -> EventOut:
    """Set the event's poster: the raw image as the body (JPEG, PNG or WebP, up to 8 MB). It
    is resized to at most 1200 pixels a side and shown on the buyer's pages."""
    jpeg = await run_in_threadpool(
        posters.prepare, await request.body(), request.headers.get("content-type", "")
    )
    settings = request.app.state.settings

    def store() -> EventOut:
        with db.unit_of_work() as session:
            event = load_event(session, event_id)
            url = posters.poster_store(settings).save(posters.poster_name(event.id, jpeg), jpeg)
            event.poster_url = url
            event.updated_at = now
            audit.record(
                session,
                actor=audit.Actor.of(admin),
                action=audit.Action.EVENT_EDITED,
                target_type="event",
                target_id=event_id,
                now=now,
                details={"posterUrl": url, "bytes": len(jpeg)},
            )
            return get_event(session, event_id=event_id, now=now, drafts=True)

    return await run_in_threadpool(store)


def _csv(lines: Iterator[str], filename: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/events/{event_id}/attendees.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per ticket"}},
)
def attendees_csv(
    event_id: uuid.UUID, db: DatabaseDep, now: NowDep, admin: AdminUser
) -> StreamingResponse:
    """Every ticket of the event: order reference, name, email, section, row, seat, price,
    status and check-in time. Streamed: memory stays bounded however large the event."""
    with db.unit_of_work() as session:
        load_event(session, event_id)  # 404 before any byte is sent
        audit.record(
            session,
            actor=audit.Actor.of(admin),
            action=audit.Action.EXPORTED,
            target_type="event",
            target_id=event_id,
            now=now,
            details={"export": "attendees"},
        )
    rows = exports.attendee_rows(db, event_id)
    return _csv(exports.csv_lines(exports.ATTENDEE_COLUMNS, rows), f"attendees-{event_id}.csv")


@router.get(
    "/orders.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per order"}},
)
def orders_csv(
    db: DatabaseDep,
    now: NowDep,
    admin: AdminUser,
    event_id: Annotated[uuid.UUID | None, Query(alias="eventId")] = None,
    created_from: FromDay = None,
    created_to: ToDay = None,
) -> StreamingResponse:
    """Orders for accounting (every status), oldest first; streamed."""
    with db.unit_of_work() as session:
        if event_id is not None:
            load_event(session, event_id)
        audit.record(
            session,
            actor=audit.Actor.of(admin),
            action=audit.Action.EXPORTED,
            target_type="orders",
            target_id=str(event_id or "all"),
            now=now,
            details={"export": "orders", "from": created_from, "to": created_to},
        )
    rows = exports.order_rows(
        db,
        event_id=event_id,
        created_from=day_start(created_from),
        created_before=day_start(created_to + timedelta(days=1)) if created_to else None,
    )
    return _csv(exports.csv_lines(exports.ORDER_COLUMNS, rows), "orders.csv")
