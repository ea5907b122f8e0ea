"""Booking HTTP routes: parse, call a use case, format.

The hot ones (hold, release, the seat map) are ``async`` and answer with JSON written
directly (their ``response_model`` still documents them): no threadpool hop, and no model
validated again on the way out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import TypeAdapter, ValidationError

from seatguard.admin import audit
from seatguard.booking import catalogue, live, seat_service
from seatguard.booking.domain import Genre
from seatguard.booking.map_http import written_response
from seatguard.booking.schemas import (
    EventDetailOut,
    EventIn,
    EventOut,
    EventPatch,
    HoldIn,
    HoldOut,
    MySeatOut,
    SeatOut,
    SeatStatusIn,
)
from seatguard.booking.seat_service import HoldPolicy
from seatguard.booking.seat_store import SeatStore
from seatguard.booking.seatmap import seat_json
from seatguard.common.deps import (
    BEARER_SECURITY,
    AdminUser,
    CurrentUser,
    DatabaseDep,
    MaybeUser,
    NowDep,
    PageDep,
    QueueDep,
    ReaderDep,
    bearer_principal,
)
from seatguard.common.errors import Forbidden, Invalid
from seatguard.common.lean_route import LeanRoute, bound_by
from seatguard.common.schemas import ERROR_RESPONSES
from seatguard.common.security import Principal

router = APIRouter(responses=ERROR_RESPONSES)
# Holds, releases and the seat map: included ahead of every other router, so a request for
# them is matched at the first routes FastAPI tries; each takes one dependency at most, and
# holds and releases find their arguments with a binder of their own (see ``LeanRoute``).
hot_router = APIRouter(responses=ERROR_RESPONSES, route_class=LeanRoute)


def day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


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
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words to find in name, artist, venue and city"),
    ] = None,
    starts_from: Annotated[
        date | None, Query(alias="from", description="First day (UTC), inclusive")
    ] = None,
    starts_to: Annotated[
        date | None, Query(alias="to", description="Last day (UTC), inclusive")
    ] = None,
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
        q=q,
        starts_from=day_start(starts_from),
        starts_before=day_start(starts_to + timedelta(days=1)) if starts_to else None,
    )
    response.headers["X-Total-Count"] = str(total)
    return events


@router.post("/events", status_code=201, response_model=EventDetailOut, tags=["events"])
def create_event(body: EventIn, db: DatabaseDep, now: NowDep, admin: AdminUser) -> Response:
    with db.unit_of_work() as session:
        event_id = catalogue.create_event(session, data=body, now=now)
        seats = sum(r.seats for s in body.sections for r in s.rows)
        audit.record(
            session,
            actor=audit.Actor.of(admin),
            action=audit.Action.EVENT_CREATED,
            target_type="event",
            target_id=event_id,
            now=now,
            details={"name": body.name, "seats": seats},
        )
    with db.reader() as session:
        detail = catalogue.event_detail_json(session, event_id=event_id, now=now, drafts=True)
        return _json(detail, 201)


@router.get("/events/{event_id}", response_model=EventDetailOut, tags=["events"])
def get_event(event_id: uuid.UUID, session: ReaderDep, now: NowDep, user: MaybeUser) -> Response:
    """The event with its seats. A DRAFT is 404 except to an admin's token."""
    drafts = user is not None and user.is_admin
    return _json(catalogue.event_detail_json(session, event_id=event_id, now=now, drafts=drafts))


@router.patch("/events/{event_id}", response_model=EventOut, tags=["events"])
def update_event(
    event_id: uuid.UUID, body: EventPatch, db: DatabaseDep, now: NowDep, admin: AdminUser
) -> EventOut:
    with db.unit_of_work() as session:
        catalogue.update_event(session, event_id=event_id, patch=body, now=now)
        audit.record(
            session,
            actor=audit.Actor.of(admin),
            action=audit.Action.EVENT_EDITED,
            target_type="event",
            target_id=event_id,
            now=now,
            details=body.model_dump(mode="json", exclude_unset=True),
        )
        return catalogue.get_event(session, event_id=event_id, now=now, drafts=True)


@router.delete("/events/{event_id}", response_model=EventOut, tags=["events"])
def cancel_event(
    event_id: uuid.UUID, db: DatabaseDep, queue: QueueDep, now: NowDep, admin: AdminUser
) -> EventOut:
    with db.unit_of_work() as session:
        catalogue.cancel_event(session, event_id=event_id, now=now, queue=queue)
        audit.record(
            session,
            actor=audit.Actor.of(admin),
            action=audit.Action.EVENT_CANCELLED,
            target_type="event",
            target_id=event_id,
            now=now,
        )
        return catalogue.get_event(session, event_id=event_id, now=now, drafts=True)


@hot_router.get("/events/{event_id}/seats", response_model=list[SeatOut], tags=["seats"])
async def event_seats(event_id: uuid.UUID, request: Request) -> Response:
    """The seat map. gzip when accepted; a weak ``ETag`` answers ``If-None-Match`` with 304."""
    state = request.app.state
    written = await seat_service.written_seat_map(
        state.seats,
        live.feed_for(state.db),
        event_id=event_id,
        now=state.clock(),
        rewrite_after=state.settings.seat_map_rewrite_ms / 1000,
    )
    return written_response(written, request.headers)


@router.get("/events/{event_id}/seats/mine", response_model=list[MySeatOut], tags=["seats"])
def my_seats(
    event_id: uuid.UUID, session: ReaderDep, user: CurrentUser, now: NowDep
) -> list[MySeatOut]:
    """The caller's own seats in this event: holds still running (``heldByMe``, with
    ``heldUntil``) and seats bought (``boughtByMe``). A buyer's basket is built from this on
    any browser, so holds belong to the account, not to the device."""
    return catalogue.my_seats(session, event_id=event_id, user_id=user.user_id, now=now)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatCall:
    """What a hot seat route needs, from one dependency: FastAPI solves each dependency of a
    route on every request, and these routes are the ones buyers hit by the thousand."""

    user: Principal
    store: SeatStore
    now: datetime
    policy: HoldPolicy


async def seat_call(request: Request) -> SeatCall:
    state = request.app.state
    return SeatCall(
        user=await bearer_principal(request),
        store=state.seats,
        now=state.clock(),
        policy=HoldPolicy.of(state.settings),
    )


SeatCallDep = Annotated[SeatCall, Depends(seat_call)]

# The binders of the hot routes: what FastAPI would find for them, in the plain case only
# (``None`` otherwise, and FastAPI's own handler answers). ``seat_call`` is the routes' only
# dependency, so FastAPI would run it, and raise what it raises, before reading anything else.
_SEAT_ID = TypeAdapter(uuid.UUID)
_HOLD_IN = TypeAdapter(HoldIn)
_UID_MAX = 64  # hold_one_seat's ``uid`` path parameter


def _seat_id(request: Request) -> uuid.UUID | None:
    try:
        return _SEAT_ID.validate_python(request.path_params["seat_id"])
    except ValidationError:
        return None


def _json_body(request: Request) -> bool:
    kind = request.headers.get("content-type", "").lower()
    return kind == "application/json" or kind.startswith("application/json;")


async def _hold_many_arguments(request: Request) -> dict[str, object] | None:
    if not _json_body(request):
        return None
    try:
        body = _HOLD_IN.validate_json(await request.body())
    except ValidationError:
        return None
    return {"body": body, "call": await seat_call(request)}


async def _hold_one_arguments(request: Request) -> dict[str, object] | None:
    seat_id, uid = _seat_id(request), request.path_params["uid"]
    if seat_id is None or len(uid) > _UID_MAX:
        return None
    return {"seat_id": seat_id, "uid": uid, "call": await seat_call(request)}


async def _release_arguments(request: Request) -> dict[str, object] | None:
    seat_id = _seat_id(request)
    if seat_id is None:
        return None
    return {"seat_id": seat_id, "call": await seat_call(request)}


@hot_router.post(
    "/seats/lock/{seat_id}/uid/{uid}",
    response_model=HoldOut,
    tags=["seats"],
    openapi_extra=BEARER_SECURITY,
)
@hot_router.patch(
    "/seats/lock/{seat_id}/uid/{uid}",
    response_model=HoldOut,
    tags=["seats"],
    operation_id="hold_one_seat_by_patch",
    openapi_extra=BEARER_SECURITY,
)
@bound_by(_hold_one_arguments)
async def hold_one_seat(
    seat_id: uuid.UUID, uid: Annotated[str, Path(max_length=_UID_MAX)], call: SeatCallDep
) -> Response:
    if uid != call.user.user_id:
        raise Forbidden("You can only hold seats for yourself.", code="uid_mismatch")
    hold = await seat_service.hold_seats(
        call.store, seat_ids=[seat_id], user_id=call.user.user_id, now=call.now, policy=call.policy
    )
    out = HoldOut(seat_id=seat_id, seat_ids=list(hold.seat_ids), expires_at=hold.expires_at)
    return _json(out.model_dump_json(by_alias=True).encode())


@hot_router.post(
    "/seats/lock", response_model=HoldOut, tags=["seats"], openapi_extra=BEARER_SECURITY
)
@bound_by(_hold_many_arguments)
async def hold_many_seats(body: HoldIn, call: SeatCallDep) -> Response:
    hold = await seat_service.hold_seats(
        call.store,
        seat_ids=body.seat_ids,
        user_id=call.user.user_id,
        now=call.now,
        policy=call.policy,
    )
    out = HoldOut(seat_ids=list(hold.seat_ids), expires_at=hold.expires_at)
    return _json(out.model_dump_json(by_alias=True).encode())


@hot_router.delete(
    "/seats/lock/{seat_id}", response_model=SeatOut, tags=["seats"], openapi_extra=BEARER_SECURITY
)
@bound_by(_release_arguments)
async def release_seat(seat_id: uuid.UUID, call: SeatCallDep) -> Response:
    seat = await seat_service.release_seat(
        call.store, seat_id=seat_id, user_id=call.user.user_id, now=call.now
    )
    return _json(seat_json(seat))


@router.patch("/seats/{seat_id}", response_model=SeatOut, tags=["seats"])
def set_seat_status(
    seat_id: uuid.UUID, body: SeatStatusIn, db: DatabaseDep, now: NowDep, admin: AdminUser
) -> SeatOut:
    return seat_service.set_seat_status(
        db, seat_id=seat_id, status=body.status, now=now, actor=audit.Actor.of(admin)
    )


@router.get("/seats/{seat_id}", response_model=SeatOut, tags=["seats"])
def get_seat(seat_id: uuid.UUID, session: ReaderDep, now: NowDep) -> SeatOut:
    return catalogue.get_seat(session, seat_id=seat_id, now=now)


def _json(body: bytes, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")
