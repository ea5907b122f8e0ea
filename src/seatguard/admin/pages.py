"""The back office's pages: shells rendered here, filled by /static/admin.js from the admin API.

The pages themselves hold no data, so they need no session; every figure comes from an API
route that checks the caller is an admin.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from seatguard.booking.domain import OrderStatus
from seatguard.booking.schemas import MAX_SEATS_PER_EVENT
from seatguard.common.i18n import N_
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


@router.get("/orders")
def orders(request: Request) -> HTMLResponse:
    return page(request, "admin/orders.html", title=N_("Orders"), statuses=list(OrderStatus))


@router.get("/orders/{order_id}")
def order(order_id: uuid.UUID, request: Request) -> HTMLResponse:
    return page(request, "admin/order.html", title=N_("Order"), order_id=order_id)


@router.get("/audit")
def audit(request: Request) -> HTMLResponse:
    return page(request, "admin/audit.html", title=N_("Audit log"))
