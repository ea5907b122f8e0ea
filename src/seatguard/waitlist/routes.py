"""Waiting-list routes: the buyer's own place in line, and the organizer's list (admins only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from seatguard.admin import audit
from seatguard.common.deps import (
    AdminUser,
    CurrentUser,
    DatabaseDep,
    NowDep,
    ReaderDep,
    SettingsDep,
)
from seatguard.common.request_language import request_language
from seatguard.common.schemas import ERROR_RESPONSES
from seatguard.waitlist import service
from seatguard.waitlist.schemas import EntryOut, JoinIn, MyPlaceOut, entry_out, my_entry

router = APIRouter(responses=ERROR_RESPONSES, tags=["waiting list"])


def _mine(
    event_id: uuid.UUID, place: service.Place | None, sold_out: bool, max_seats: int
) -> MyPlaceOut:
    entry = my_entry(place) if place is not None else None
    return MyPlaceOut(event_id=event_id, sold_out=sold_out, max_seats=max_seats, entry=entry)


@router.get("/events/{event_id}/waiting-list", response_model=MyPlaceOut)
def my_place(
    event_id: uuid.UUID, session: ReaderDep, user: CurrentUser, now: NowDep, settings: SettingsDep
) -> MyPlaceOut:
    """Whether the event is sold out (so its list is open) and the caller's place in line."""
    place = service.my_place(session, event_id=event_id, user_id=user.user_id)
    sold_out = service.is_sold_out(session, event_id, now)
    return _mine(event_id, place, sold_out, settings.max_holds_per_event)


@router.post("/events/{event_id}/waiting-list", status_code=201, response_model=MyPlaceOut)
def join(
    event_id: uuid.UUID,
    request: Request,
    db: DatabaseDep,
    user: CurrentUser,
    now: NowDep,
    settings: SettingsDep,
    body: JoinIn | None = None,
) -> MyPlaceOut:
    """Join a sold-out event's waiting list (409 while seats are on sale or when already in
    line). When seats come free, the first in line gets them held and an email."""
    with db.unit_of_work() as session:
        place = service.join(
            session,
            event_id=event_id,
            user_id=user.user_id,
            email=user.email,
            language=request_language(request),
            seats_wanted=(body or JoinIn()).seats,
            max_seats=settings.max_holds_per_event,
            now=now,
        )
        return _mine(event_id, place, True, settings.max_holds_per_event)


@router.delete("/events/{event_id}/waiting-list", response_model=MyPlaceOut)
def leave(
    event_id: uuid.UUID, db: DatabaseDep, user: CurrentUser, now: NowDep, settings: SettingsDep
) -> MyPlaceOut:
    """Leave the list; seats offered and not yet in a checkout go back at once."""
    with db.unit_of_work() as session:
        service.leave(session, event_id=event_id, user_id=user.user_id, now=now)
        sold_out = service.is_sold_out(session, event_id, now)
        return _mine(event_id, None, sold_out, settings.max_holds_per_event)


@router.get("/admin/events/{event_id}/waiting-list", response_model=list[EntryOut])
def event_list(event_id: uuid.UUID, session: ReaderDep, admin: AdminUser) -> list[EntryOut]:
    """Every entry of the event in line order, ended ones included. Admins only."""
    return [entry_out(p) for p in service.entries_of(session, event_id=event_id)]


@router.delete("/admin/waiting-list/{entry_id}", response_model=EntryOut)
def remove_entry(entry_id: uuid.UUID, db: DatabaseDep, now: NowDep, admin: AdminUser) -> EntryOut:
    """Take an entry off the list (its offered seats go back); audited. Admins only."""
    with db.unit_of_work() as session:
        entry = service.remove(session, entry_id=entry_id, now=now)
        audit.record(
            session,
            actor=audit.Actor.of(admin),
            action=audit.Action.WAITLIST_ENTRY_REMOVED,
            target_type="waitlist_entry",
            target_id=entry.id,
            now=now,
            details={"eventId": str(entry.event_id), "userId": entry.user_id},
        )
        return entry_out(service.Place(entry=entry, position=None))
