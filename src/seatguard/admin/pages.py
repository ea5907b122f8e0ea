"""The back office's pages: shells rendered here, filled by /static/admin.js from the admin API.

The pages themselves hold no data, so they need no session; every figure comes from an API
route that checks the caller is an admin.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from seatguard.auth import invites
from seatguard.auth.deps import AuthDatabaseDep
from seatguard.booking.domain import OrderStatus
from seatguard.booking.schemas import MAX_SEATS_PER_EVENT
from seatguard.common.deps import NowDep, SettingsDep
from seatguard.common.errors import AppError
from seatguard.common.i18n import N_, gettext, use_language
from seatguard.common.request_language import request_language
from seatguard.web.pages import page

# Offered in the editor's time-zone box (any IANA zone may be typed).
ZONES = (
    "America/Argentina/Buenos_Aires",
    "America/Santiago",
    "America/Montevideo",
    "America/Sao_Paulo",
    "America/Bogota",
    "America/Mexico_City",
    "America/New_York",
    "Europe/Madrid",
    "Europe/London",
    "UTC",
)

router = APIRouter(prefix="/admin", include_in_schema=False, default_response_class=HTMLResponse)
invite_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("")
def events(request: Request) -> HTMLResponse:
    return page(request, "admin/events.html", title=N_("Back office"))


@router.get("/events/new")
def new_event(request: Request) -> HTMLResponse:
    return page(
        request,
        "admin/new_event.html",
        title=N_("New event"),
        zones=ZONES,
        max_seats=MAX_SEATS_PER_EVENT,
    )


@router.get("/events/{event_id}")
def dashboard(event_id: uuid.UUID, request: Request) -> HTMLResponse:
    return page(request, "admin/event.html", title=N_("Event dashboard"), event_id=event_id)


@router.get("/events/{event_id}/door")
def door(event_id: uuid.UUID, request: Request) -> HTMLResponse:
    return page(request, "admin/door.html", title=N_("Door"), event_id=event_id)


@router.get("/events/{event_id}/waiting-list")
def waiting_list(event_id: uuid.UUID, request: Request) -> HTMLResponse:
    return page(request, "admin/waitlist.html", title=N_("Waiting list"), event_id=event_id)


@router.get("/staff")
def staff(request: Request) -> HTMLResponse:
    return page(request, "admin/staff.html", title=N_("Staff"))


@invite_router.get("/invite/{token}")
def invitation(
    token: str, request: Request, auth_db: AuthDatabaseDep, settings: SettingsDep, now: NowDep
) -> HTMLResponse:
    """Choose a password for an invited account (the link of the invitation email)."""
    try:
        user = invites.invited_user(auth_db, settings=settings, token=token, now=now)
    except AppError as exc:
        with use_language(request_language(request)):
            problem = gettext(exc.message)
        return page(
            request, "invite.html", status_code=400, title=N_("Invitation"), problem=problem
        )
    return page(request, "invite.html", title=N_("Invitation"), email=user.email, token=token)


@router.get("/orders")
def orders(request: Request) -> HTMLResponse:
    return page(request, "admin/orders.html", title=N_("Orders"), statuses=list(OrderStatus))


@router.get("/orders/{order_id}")
def order(order_id: uuid.UUID, request: Request) -> HTMLResponse:
    return page(request, "admin/order.html", title=N_("Order"), order_id=order_id)


@router.get("/audit")
def audit(request: Request) -> HTMLResponse:
    return page(request, "admin/audit.html", title=N_("Audit log"))
