"""The buyer's pages: HTML shells rendered on the server, enhanced by small static scripts.

Every page carries a strict Content-Security-Policy (scripts and styles only from
``/static``, no inline code, no framing); the data behind a page comes from the public API,
read here for the first paint and kept fresh by the scripts.
"""

from __future__ import annotations

import uuid
from itertools import groupby
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from seatguard.booking import catalogue
from seatguard.booking.domain import Genre
from seatguard.booking.schemas import SeatOut
from seatguard.common.deps import NowDep, ReaderDep
from seatguard.common.errors import Invalid

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, template, {"genres": list(Genre), **context}, status_code=status_code
    )
    response.headers.update(SECURITY_HEADERS)
    return response


ERROR_HEADINGS = {
    403: "You may not see this page",
    404: "Page not found",
    422: "That address is not valid",
    500: "Something went wrong on our side",
    503: "We are briefly unavailable",
}


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """An error as a page, for a browser that navigated to a page route (not the API)."""
    heading = ERROR_HEADINGS.get(status_code, "This request cannot be completed")
    if status_code >= 500 or not message:
        message = "Please try again in a moment." if status_code >= 500 else heading
    return page(
        request,
        "error.html",
        status_code=status_code,
        title=heading,
        heading=heading,
        message=message,
    )


def money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.2f} {currency.upper()}"


templates.env.filters["money"] = money


def seat_sections(seats: list[SeatOut]) -> list[dict[str, Any]]:
    """Seats grouped by section, then by row, in the catalogue's order."""
    sections = []
    for name, in_section in groupby(seats, key=lambda s: s.section):
        seats_here = list(in_section)
        rows = [{"row": r, "seats": list(g)} for r, g in groupby(seats_here, key=lambda s: s.row)]
        prices = sorted({s.price_minor for s in seats_here})
        sections.append({"name": name, "rows": rows, "prices": prices})
    return sections


@router.get("/")
def event_list(
    request: Request,
    session: ReaderDep,
    now: NowDep,
    q: str = "",
    genre: str = "",
    location: str = "",
) -> HTMLResponse:
    q, location = q.strip()[:200], location.strip()[:200]
    if genre and genre not in Genre.__members__:
        raise Invalid("Unknown genre.", code="unknown_genre")
    events, total = catalogue.list_events(
        session,
        now=now,
        name=None,
        q=q or None,
        gender=genre or None,
        location=location or None,
        offset=0,
        limit=200,
    )
    return page(
        request,
        "events.html",
        events=events,
        total=total,
        q=q,
        genre=genre,
        location=location,
        title="Concerts",
    )


@router.get("/events/{event_id}")
def event_page(event_id: uuid.UUID, request: Request, session: ReaderDep, now: NowDep) -> Any:
    event = catalogue.event_detail(session, event_id=event_id, now=now)
    return page(
        request,
        "event.html",
        event=event,
        sections=seat_sections(event.seats),
        title=event.name,
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")


def _static_page(path: str, template: str, title: str) -> None:
    def show(request: Request) -> HTMLResponse:
        return page(request, template, title=title)

    router.add_api_route(path, show, methods=["GET"], name=template.removesuffix(".html"))


_static_page("/login", "login.html", "Log in")
_static_page("/signup", "signup.html", "Sign up")
_static_page("/checkout/success", "success.html", "Your order")
_static_page("/checkout/cancel", "cancel.html", "Payment cancelled")
_static_page("/my/tickets", "tickets.html", "My tickets")
_static_page("/staff/check-in", "checkin.html", "Check-in")
