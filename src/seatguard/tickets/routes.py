"""Ticket HTTP routes: my tickets, an order's tickets and PDF, the door check-in, the key."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from seatguard.booking.domain import OrderStatus
from seatguard.common.deps import (
    CurrentUser,
    DatabaseDep,
    NowDep,
    PageDep,
    ReaderDep,
    SettingsDep,
    StaffUser,
    principal_now,
)
from seatguard.common.errors import Conflict, NotFound, Unauthorized
from seatguard.common.request_language import request_language
from seatguard.common.schemas import ERROR_RESPONSES, ErrorOut
from seatguard.tickets import door, service
from seatguard.tickets.door import OfflineScan
from seatguard.tickets.guessing import GuessLimiter
from seatguard.tickets.keys import TicketKeys, load_ticket_keys
from seatguard.tickets.links import verify_download_token
from seatguard.tickets.pdf import render_tickets_pdf
from seatguard.tickets.poster import load_poster
from seatguard.tickets.schemas import (
    CheckInIn,
    CheckInOut,
    DoorCountOut,
    PublicKeyOut,
    SyncIn,
    SyncOut,
    TicketOut,
)
from seatguard.tickets.short_codes import looks_signed
from seatguard.tickets.views import load_order_view

router = APIRouter(prefix="/tickets", tags=["tickets"], responses=ERROR_RESPONSES)


def get_ticket_keys(request: Request, settings: SettingsDep) -> TicketKeys:
    """Loaded on first use and kept on the app (a missing key only fails ticket routes)."""
    keys: TicketKeys | None = getattr(request.app.state, "ticket_keys", None)
    if keys is None:
        keys = load_ticket_keys(settings)
        request.app.state.ticket_keys = keys
    return keys


KeysDep = Annotated[TicketKeys, Depends(get_ticket_keys)]
_optional_bearer = HTTPBearer(auto_error=False)


@router.get("/public-key", response_model=PublicKeyOut)
def public_key(keys: KeysDep) -> PublicKeyOut:
    return PublicKeyOut(pem=keys.public_pem, raw=keys.public_raw_b64url)


def get_guess_limiter(request: Request, settings: SettingsDep) -> GuessLimiter:
    """One per app: unknown short codes spend a staff user's tokens (see ``guessing``)."""
    limiter: GuessLimiter | None = getattr(request.app.state, "guess_limiter", None)
    if limiter is None:
        limiter = GuessLimiter(rate=settings.checkin_guess_rate, burst=settings.checkin_guess_burst)
        request.app.state.guess_limiter = limiter
    return limiter


GuessLimiterDep = Annotated[GuessLimiter, Depends(get_guess_limiter)]


@router.post("/check-in", response_model=CheckInOut, responses={429: {"model": ErrorOut}})
def check_in(
    body: CheckInIn,
    db: DatabaseDep,
    now: NowDep,
    keys: KeysDep,
    staff: StaffUser,
    guesses: GuessLimiterDep,
) -> CheckInOut:
    """Admit a ticket by its signed QR code or its short code (short codes are throttled)."""
    short = not looks_signed(body.code)
    if short:
        guesses.ensure_allowed(staff.user_id, now)
    try:
        with db.unit_of_work() as session:
            result = service.check_in(
                session, code=body.code, public_key=keys.public_key, now=now, event_id=body.event_id
            )
    except NotFound as exc:
        if short and exc.code == "unknown_short_code":
            guesses.record_failure(staff.user_id, now)
        raise
    return CheckInOut.of(result)


@router.post("/check-in/sync", response_model=SyncOut)
def sync_offline_scans(
    body: SyncIn, db: DatabaseDep, now: NowDep, keys: KeysDep, _staff: StaffUser
) -> SyncOut:
    """Scans a door made offline, with their times: the first scan of a ticket wins."""
    scans = [OfflineScan(code=s.code, scanned_at=s.scanned_at) for s in body.scans]
    with db.unit_of_work() as session:
        outcomes = door.sync_scans(
            session, scans=scans, public_key=keys.public_key, now=now, event_id=body.event_id
        )
    return SyncOut.of(body.scans, outcomes)


@router.get("/check-in/count", response_model=DoorCountOut)
def door_count(
    event_id: Annotated[uuid.UUID, Query(alias="eventId")], session: ReaderDep, _staff: StaffUser
) -> DoorCountOut:
    """Valid tickets of the event, how many were admitted and how many are still to come."""
    return DoorCountOut.of(door.door_count(session, event_id=event_id))


@router.get("", response_model=list[TicketOut])
def my_tickets(
    user: CurrentUser, session: ReaderDep, page: PageDep, response: Response
) -> list[TicketOut]:
    views, total = service.list_tickets(
        session,
        user_id=None if user.is_admin else user.user_id,
        offset=page.offset,
        limit=page.limit,
    )
    response.headers["X-Total-Count"] = str(total)
    return [TicketOut.of(v) for v in views]


@router.get("/{order_id}", response_model=list[TicketOut])
def order_tickets(order_id: uuid.UUID, user: CurrentUser, session: ReaderDep) -> list[TicketOut]:
    service.order_for(session, order_id=order_id, user_id=user.user_id, is_admin=user.is_admin)
    _, tickets = load_order_view(session, order_id)
    return [TicketOut.of(t) for t in tickets]


@router.get(
    "/{order_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The tickets as PDF"}},
)
def download(
    request: Request,
    order_id: uuid.UUID,
    session: ReaderDep,
    settings: SettingsDep,
    now: NowDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
    token: Annotated[str | None, Query(max_length=200, description="From downloadUrl")] = None,
) -> Response:
    """A signed ``?token=`` link, the owner's bearer token, or PUBLIC_TICKET_LINKS."""
    if token is not None:  # a presented link is always checked, whatever else comes with it
        verify_download_token(token, order_id, now, settings)
    elif bearer is not None:
        user = principal_now(request, bearer.credentials, settings)
        service.order_for(session, order_id=order_id, user_id=user.user_id, is_admin=user.is_admin)
    elif not settings.public_ticket_links:
        raise Unauthorized("A bearer token or a signed link is required.", code="missing_token")
    order, tickets = load_order_view(session, order_id)
    if order.status == OrderStatus.REFUNDED:
        raise Conflict("This order was refunded; its tickets are void.", code="order_refunded")
    if not tickets:
        raise NotFound("This order has no tickets yet.", code="no_tickets")
    poster = load_poster(order.event.poster_url, settings)
    pdf = render_tickets_pdf(
        order=order, tickets=tickets, language=request_language(request), poster=poster
    )
    filename = f"seatguard-tickets-{order.reference}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
