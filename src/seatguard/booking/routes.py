"""Booking HTTP routes: parse, call a service inside a unit of work, format."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from seatguard.booking import catalogue, holds, live
from seatguard.booking.domain import Genre
from seatguard.booking.schemas import (
    EventDetailOut,
    EventIn,
    EventOut,
    EventPatch,
    HoldIn,
    HoldOut,
    SeatOut,
    SeatStatusIn,
)
from seatguard.common.deps import (
    AdminUser,
    CurrentUser,
    DatabaseDep,
    NowDep,
    PageDep,
    QueueDep,
    ReaderDep,
    SettingsDep,
)
from seatguard.common.errors import Forbidden, Invalid
from seatguard.common.metrics import counting_holds
from seatguard.common.schemas import ERROR_RESPONSES
from seatguard.common.security import Principal
from seatguard.settings import Settings

router = APIRouter(responses=ERROR_RESPONSES)

Text = Annotated[str | None, Query(max_length=200)]


@router.get("/events", response_model=list[EventOut], tags=["events"])
def list_events(
    session: ReaderDep,
    now: NowDep,
    page: PageDep,
    response: Response,
    name: Text = None,
    gender: Text = None,
    location: Text = None,
) -> list[EventOut]:
    if gender and gender not in Genre.__members__:
        raise Invalid(f"Unknown genre; use one of {', '.join(Genre)}.", code="unknown_genre")
    events, total = catalogue.list_events(
        session,
        now=now,
        name=name,
        gender=gender or None,
        location=location,
        offset=page.offset,
        limit=page.limit,
    )
    response.headers["X-Total-Count"] = str(total)
    return events


@router.post("/events", status_code=201, response_model=EventDetailOut, tags=["events"])
def create_event(body: EventIn, db: DatabaseDep, now: NowDep, _admin: AdminUser) -> EventDetailOut:
    with db.unit_of_work() as session:
        event_id = catalogue.create_event(session, data=body, now=now)
    return _detail(db, event_id, now)


@router.get("/events/{event_id}", response_model=EventDetailOut, tags=["events"])
def get_event(event_id: uuid.UUID, session: ReaderDep, now: NowDep) -> EventDetailOut:
    return catalogue.event_detail(session, event_id=event_id, now=now)


@router.patch("/events/{event_id}", response_model=EventOut, tags=["events"])
def update_event(
    event_id: uuid.UUID, body: EventPatch, db: DatabaseDep, now: NowDep, _admin: AdminUser
) -> EventOut:
    with db.unit_of_work() as session:
        catalogue.update_event(session, event_id=event_id, patch=body, now=now)
        return catalogue.get_event(session, event_id=event_id, now=now)


@router.delete("/events/{event_id}", response_model=EventOut, tags=["events"])
def cancel_event(
    event_id: uuid.UUID, db: DatabaseDep, queue: QueueDep, now: NowDep, _admin: AdminUser
) -> EventOut:
    with db.unit_of_work() as session:
        catalogue.cancel_event(session, event_id=event_id, now=now, queue=queue)
        return catalogue.get_event(session, event_id=event_id, now=now)


@router.get("/events/{event_id}/seats", response_model=list[SeatOut], tags=["seats"])
def event_seats(event_id: uuid.UUID, session: ReaderDep, now: NowDep) -> list[SeatOut]:
    return catalogue.event_seats(session, event_id=event_id, now=now)


@router.post("/seats/lock/{seat_id}/uid/{uid}", response_model=HoldOut, tags=["seats"])
@router.patch(
    "/seats/lock/{seat_id}/uid/{uid}",
    response_model=HoldOut,
    tags=["seats"],
    operation_id="hold_one_seat_by_patch",
)
def hold_one_seat(
    seat_id: uuid.UUID,
    uid: Annotated[str, Path(max_length=64)],
    user: CurrentUser,
    db: DatabaseDep,
    now: NowDep,
    settings: SettingsDep,
) -> HoldOut:
    if uid != user.user_id:
        raise Forbidden("You can only hold seats for yourself.", code="uid_mismatch")
    hold = _hold(db, [seat_id], user, now, settings)
    return HoldOut(seat_id=seat_id, seat_ids=list(hold.seat_ids), expires_at=hold.expires_at)


@router.post("/seats/lock", response_model=HoldOut, tags=["seats"])
def hold_many_seats(
    body: HoldIn, user: CurrentUser, db: DatabaseDep, now: NowDep, settings: SettingsDep
) -> HoldOut:
    hold = _hold(db, body.seat_ids, user, now, settings)
    return HoldOut(seat_ids=list(hold.seat_ids), expires_at=hold.expires_at)


@router.delete("/seats/lock/{seat_id}", response_model=SeatOut, tags=["seats"])
def release_seat(seat_id: uuid.UUID, user: CurrentUser, db: DatabaseDep, now: NowDep) -> SeatOut:
    with db.unit_of_work() as session:
        seat = holds.release_seat(session, seat_id=seat_id, user_id=user.user_id, now=now)
        live.announce(session, live.freed(seat.event_id, [seat.id]))
        return catalogue.seat_out(seat, now)


@router.patch("/seats/{seat_id}", response_model=SeatOut, tags=["seats"])
def set_seat_status(
    seat_id: uuid.UUID, body: SeatStatusIn, db: DatabaseDep, now: NowDep, _admin: AdminUser
) -> SeatOut:
    with db.unit_of_work() as session:
        change = catalogue.set_seat_status(session, seat_id=seat_id, status=body.status, now=now)
        live.announce(session, [change])
    return _seat(db, seat_id, now)


@router.get("/seats/{seat_id}", response_model=SeatOut, tags=["seats"])
def get_seat(seat_id: uuid.UUID, session: ReaderDep, now: NowDep) -> SeatOut:
    return catalogue.get_seat(session, seat_id=seat_id, now=now)


def _hold(
    db: DatabaseDep, seat_ids: list[uuid.UUID], user: Principal, now: NowDep, settings: Settings
) -> holds.Hold:
    with counting_holds(), db.unit_of_work() as session:
        hold = holds.hold_seats(
            session,
            seat_ids=seat_ids,
            user_id=user.user_id,
            now=now,
            hold_for=timedelta(minutes=settings.hold_minutes),
            max_per_event=settings.max_holds_per_event,
        )
        live.announce(session, live.hold_changes(hold), held_until=hold.expires_at)
        return hold


def _seat(db: DatabaseDep, seat_id: uuid.UUID, now: NowDep) -> SeatOut:
    with db.reader() as session:
        return catalogue.get_seat(session, seat_id=seat_id, now=now)


def _detail(db: DatabaseDep, event_id: uuid.UUID, now: NowDep) -> EventDetailOut:
    with db.reader() as session:
        return catalogue.event_detail(session, event_id=event_id, now=now)
