"""The back office's pages: shells rendered here, filled by /static/admin.js from the admin API.

The pages themselves hold no data, so they need no session; every figure comes from an API
route that checks the caller is an admin.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from seatguard.booking.domain import OrderStatus
from seatguard.web.pages import page

router = APIRouter(prefix="/admin", include_in_schema=False, default_response_class=HTMLResponse)


@router.get("")
def events(request: Request) -> HTMLResponse:
    return page(request, "admin/events.html", title="Back office")


@router.get("/events/{event_id}")
def dashboard(event_id: uuid.UUID, request: Request) -> HTMLResponse:
    return page(request, "admin/event.html", title="Event dashboard", event_id=event_id)


@router.get("/orders")
def orders(request: Request) -> HTMLResponse:
    return page(request, "admin/orders.html", title="Orders", statuses=list(OrderStatus))


@router.get("/audit")
def audit(request: Request) -> HTMLResponse:
    return page(request, "admin/audit.html", title="Audit log")
