"""The buyer's pages: HTML shells rendered on the server, enhanced by small static scripts.

Every page carries a strict Content-Security-Policy (scripts and styles only from
``/static``, no inline code, no framing); the data behind a page comes from the public API,
read here for the first paint and kept fresh by the scripts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from seatguard.booking import catalogue
from seatguard.booking.domain import Genre
from seatguard.booking.schemas import SeatOut
from seatguard.common.deps import NowDep, ReaderDep
from seatguard.common.errors import Invalid
from seatguard.common.i18n import (
    COOKIE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    gettext,
    ngettext,
    supported,
    use_language,
)
from seatguard.common.request_language import request_language
from seatguard.tickets.formatting import format_money, format_start
from seatguard.web.texts import genre_name, sales_note, script_texts, status_name

HERE = Path(__file__).parent
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(),
    extensions=["jinja2.ext.i18n"],
)
_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=_env)
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
LOCALES = {"en": "en-US", "es": "es-AR"}  # how the scripts format money and times

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


def page(
    request: Request,
    template: str,
    status_code: int = 200,
    *,
    translate_title: bool = True,
    **context: Any,
) -> HTMLResponse:
    """The page in the request's language; ``title`` is translated here unless told not to."""
    title = str(context.get("title", ""))
    response: HTMLResponse
    with use_language(request_language(request)) as lang:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = templates.TemplateResponse(
            request,
            template,
            {
                "genres": list(Genre),
                "lang": lang,
                "locale": LOCALES[lang],
                "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                "here": here,
                "texts": script_texts(),
                **context,
                "title": gettext(title) if translate_title and title else title,
            },
            status_code=status_code,
        )
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


ERROR_HEADINGS = {
    403: N_("You may not see this page"),
    404: N_("Page not found"),
    422: N_("That address is not valid"),
    500: N_("Something went wrong on our side"),
    503: N_("We are briefly unavailable"),
}


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """An error as a page, for a browser that navigated to a page route (not the API).

    ``message`` arrives already in the request's language (see common.errors).
    """
    with use_language(request_language(request)):
        heading = gettext(ERROR_HEADINGS.get(status_code, N_("This request cannot be completed")))
        if status_code >= 500 or not message:
            message = gettext("Please try again in a moment.") if status_code >= 500 else heading
    return page(
        request,
        "error.html",
        status_code=status_code,
        translate_title=False,
        title=heading,
        heading=heading,
        message=message,
    )


def event_time(moment: datetime, zone_name: str) -> str:
    """The event's start in its own zone, in the language in force."""
    return format_start(moment, zone_name)


templates.env.filters["money"] = format_money
templates.env.filters["event_time"] = event_time
templates.env.filters["genre"] = genre_name
templates.env.filters["order_status"] = status_name


SECTIONS_ABOVE = 2000  # seats: bigger events show sections to open, one at a time


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
        title=N_("Concerts"),
    )


@router.get("/events/{event_id}")
def event_page(event_id: uuid.UUID, request: Request, session: ReaderDep, now: NowDep) -> Any:
    """Every seat as a button; above ``SECTIONS_ABOVE`` seats, an overview of the sections
    instead, and the page draws the seats of the one the buyer opens. A draft is not found."""
    event = catalogue.get_event(session, event_id=event_id, now=now)
    with use_language(request_language(request)):
        note = sales_note(
            on_sale=event.on_sale,
            status=event.status,
            sales_start_at=event.sales_start_at,
            zone=event.timezone,
            now=now,
        )
    if event.seats_total > SECTIONS_ABOVE:
        overview = catalogue.section_overview(session, event_id=event_id, now=now)
        return page(
            request,
            "event.html",
            event=event,
            overview=overview,
            sections=[],
            sales_note=note,
            translate_title=False,
            title=event.name,
        )
    detail = catalogue.event_detail(session, event_id=event_id, now=now)
    return page(
        request,
        "event.html",
        event=detail,
        overview=[],
        sections=seat_sections(detail.seats),
        sales_note=note,
        translate_title=False,
        title=event.name,
    )


def _safe_next(raw: str) -> str:
    return raw if raw.startswith("/") and not raw.startswith("//") and "\\" not in raw else "/"


@router.api_route("/lang/{code}", methods=["GET", "POST"], name="language")
def choose_language(code: str, next: str = "/") -> RedirectResponse:
    """The language switcher: remember the choice in the ``lang`` cookie, go back."""
    language = supported(code)
    if language is None:
        raise Invalid("Unknown language; use en or es.", code="unknown_language")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE, language, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")


def _static_page(path: str, template: str, title: str) -> None:
    def show(request: Request) -> HTMLResponse:
        return page(request, template, title=title)

    router.add_api_route(path, show, methods=["GET"], name=template.removesuffix(".html"))


_static_page("/login", "login.html", N_("Log in"))
_static_page("/signup", "signup.html", N_("Sign up"))
_static_page("/checkout/success", "success.html", N_("Your order"))
_static_page("/checkout/cancel", "cancel.html", N_("Payment cancelled"))
_static_page("/my/tickets", "tickets.html", N_("My tickets"))
_static_page("/staff/check-in", "checkin.html", N_("Check-in"))
