"""The hosted checkout page: ``GET /pay/{id}`` shows the form, ``POST /pay/{id}`` charges."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from seatguard.common.emails import is_valid_email
from seatguard.payments.sandbox import html
from seatguard.payments.sandbox.cards import Decline
from seatguard.payments.sandbox.core import Sandbox, get_sandbox
from seatguard.payments.sandbox.errors import SandboxError
from seatguard.payments.sandbox.records import SessionRecord
from seatguard.payments.sandbox.store import CardDeclined
from seatguard.payments.sandbox.texts import page_language

router = APIRouter()
SandboxDep = Annotated[Sandbox, Depends(get_sandbox)]
FIELDS = ("card_number", "exp_month", "exp_year", "cvc", "cardholder", "email")


def _closed_page(session: SessionRecord | None) -> HTMLResponse | None:
    if session is None:
        return HTMLResponse(
            html.notice_page("Checkout not found", "This checkout session does not exist."), 404
        )
    if session.status == "complete":
        page = html.notice_page(
            "Already paid",
            "This checkout session has already been paid. Nothing more is charged.",
            link=_success_url(session),
            link_text="Continue",
        )
        return HTMLResponse(page, 409)
    if session.status == "expired":
        page = html.notice_page(
            "Checkout expired",
            "This checkout session has expired and can no longer be paid. "
            "Go back to the shop to start again.",
            link=session.cancel_url,
            link_text="Back to the shop",
        )
        return HTMLResponse(page, 410)
    return None


def _load(sandbox: Sandbox, session_id: str) -> SessionRecord | None:
    try:
        return sandbox.store.session(session_id, now=sandbox.now())
    except SandboxError:
        return None


def _success_url(session: SessionRecord) -> str:
    return session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id)


@router.get("/pay/{session_id}", response_class=HTMLResponse)
def show(session_id: str, request: Request, sandbox: SandboxDep) -> Response:
    session = _load(sandbox, session_id)
    closed = _closed_page(session)
    if closed is not None or session is None:
        return closed or HTMLResponse(status_code=404)
    page = html.checkout_page(
        session,
        action=str(request.url.path),
        now=sandbox.now(),
        language=page_language(request.headers.get("accept-language")),
    )
    return HTMLResponse(page)


@router.post("/pay/{session_id}", response_class=HTMLResponse)
async def pay(session_id: str, request: Request, sandbox: SandboxDep) -> Response:
    form = {k: v.strip() for k, v in parse_qsl((await request.body()).decode("utf-8", "replace"))}
    values = {k: form.get(k, "") for k in FIELDS}
    session = _load(sandbox, session_id)
    closed = _closed_page(session)
    if closed is not None or session is None:
        return closed or HTMLResponse(status_code=404)
    problem = _check_card_fields(values, now=sandbox.clock())
    status = 400
    if problem is None:
        try:
            paid = sandbox.store.pay(
                session_id,
                number=re.sub(r"[\s-]", "", values["card_number"]),
                name=values["cardholder"] or None,
                email=values["email"] or None,
                now=sandbox.now(),
            )
            return RedirectResponse(_success_url(paid), status_code=303)
        except CardDeclined as declined:
            problem, status = declined.decline, 402
        except SandboxError:  # closed between the check and the charge
            return _closed_page(_load(sandbox, session_id)) or HTMLResponse(status_code=409)
    page = html.checkout_page(
        session,
        action=str(request.url.path),
        error_code=problem.reason,
        error_message=problem.message,
        values=values,
        now=sandbox.now(),
        language=page_language(request.headers.get("accept-language")),
    )
    return HTMLResponse(page, status)


def _check_card_fields(values: dict[str, str], *, now: datetime) -> Decline | None:
    """Stripe's form-level checks, before any charge is attempted."""
    number = re.sub(r"[\s-]", "", values["card_number"])
    if not re.fullmatch(r"\d{12,19}", number):
        return Decline(code="invalid_number", message="Your card number is invalid.")
    month, year = values["exp_month"], values["exp_year"]
    if not re.fullmatch(r"\d{1,2}", month) or not 1 <= int(month) <= 12:
        return Decline(
            code="invalid_expiry_month", message="Your card's expiration month is invalid."
        )
    if not re.fullmatch(r"\d{2}|\d{4}", year):
        return Decline(
            code="invalid_expiry_year", message="Your card's expiration year is invalid."
        )
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    if (full_year, int(month)) < (now.year, now.month):
        return Decline(
            code="invalid_expiry_year", message="Your card's expiration date is in the past."
        )
    if not re.fullmatch(r"\d{3,4}", values["cvc"]):
        return Decline(code="invalid_cvc", message="Your card's security code is invalid.")
    if values["email"] and not is_valid_email(values["email"]):
        return Decline(code="email_invalid", message="Your email address is invalid.")
    return None
