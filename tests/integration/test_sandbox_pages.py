"""The sandbox's hosted checkout page, and the sandbox mounted inside the SeatGuard app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from seatguard.common.db import Database
from seatguard.payments.factory import build_gateway
from seatguard.payments.gateway import CheckoutSession, LineItem
from seatguard.payments.stripe_gateway import StripeGateway
from seatguard.settings import SANDBOX_SECRET_KEY
from tests.support.sandbox import SANDBOX_KEY, RunningSandbox, running_sandbox

CARD = {"exp_month": "12", "exp_year": "2099", "cvc": "123", "cardholder": "Ada"}


@pytest.fixture
def running(db: Database) -> Iterator[RunningSandbox]:
    with running_sandbox(db, "http://127.0.0.1:9/unused") as r:
        yield r


def new_session(base_url: str, *, email: str | None = None) -> CheckoutSession:
    return StripeGateway(SANDBOX_KEY, base_url, max_network_retries=0).create_checkout_session(
        order_id="o-1",
        user_id="u-1",
        currency="eur",
        line_items=[LineItem(name="VIP <A1>", unit_amount=15000, quantity=2)],
        success_url="https://shop.test/ok?session={CHECKOUT_SESSION_ID}",
        cancel_url="https://shop.test/cancel?order=o-1",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        customer_email=email,
        idempotency_key=str(uuid.uuid4()),
    )


def test_the_page_shows_amount_items_labelled_fields_and_a_cancel_link(
    running: RunningSandbox,
) -> None:
    session = new_session(running.base_url)
    page = httpx.get(session.url or "")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "€300.00" in html  # the shop's money format, not a third one
    assert "VIP &lt;A1&gt;" in html  # escaped
    for name in ("card_number", "exp_month", "exp_year", "cvc", "cardholder", "email"):
        assert f'<label for="{name}">' in html
        assert f'name="{name}"' in html
    assert '<button type="submit">Pay €300.00</button>' in html
    assert 'href="https://shop.test/cancel?order=o-1"' in html


def test_the_page_in_spanish_writes_money_as_the_shop_does_in_spanish(
    running: RunningSandbox,
) -> None:
    session = new_session(running.base_url)
    html = httpx.get(session.url or "", headers={"Accept-Language": "es-AR,es;q=0.9"}).text
    assert '<html lang="es">' in html
    assert '<button type="submit">Pagar EUR 300,00</button>' in html


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("card_number", "4242", "invalid_number"),
        ("exp_month", "13", "invalid_expiry_month"),
        ("exp_year", "2001", "invalid_expiry_year"),
        ("cvc", "1", "invalid_cvc"),
    ],
)
def test_malformed_card_details_are_refused_without_charging(
    running: RunningSandbox, field: str, value: str, code: str
) -> None:
    session = new_session(running.base_url, email="ada@example.com")
    form = {"card_number": "4242424242424242", **CARD, field: value}
    response = httpx.post(session.url or "", data=form)
    assert response.status_code == 400
    assert f"<code>{code}</code>" in response.text
    store = running.sandbox.store
    assert store.session(session.id, now=running.sandbox.now()).status == "open"
    assert store.session(session.id, now=running.sandbox.now()).payment_intent is None


def test_a_paid_session_cannot_be_paid_twice(running: RunningSandbox) -> None:
    session = new_session(running.base_url)
    url = session.url or ""
    first = httpx.post(url, data={"card_number": "4242424242424242", **CARD, "email": "a@b.test"})
    assert first.status_code == 303
    assert running.sandbox.store.session(session.id, now=0).paid_email == "a@b.test"
    again = httpx.post(url, data={"card_number": "4242424242424242", **CARD})
    assert again.status_code == 409
    assert "already been paid" in again.text
    assert len(running.sandbox.events.latest(type=None, limit=10)[0]) == 1
    assert httpx.get(f"{running.base_url}/pay/cs_test_unknown").status_code == 404


def test_the_app_mounts_the_sandbox_and_the_default_gateway_points_at_it(
    app_client: TestClient,
) -> None:
    settings = app_client.app.state.settings  # type: ignore[attr-defined]
    assert settings.sandbox_enabled
    gateway = build_gateway(settings)
    assert isinstance(gateway, StripeGateway)
    assert gateway.api_base == "http://127.0.0.1:4000/sandbox/stripe"
    auth = {"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"}
    created = app_client.post(
        "/sandbox/stripe/v1/checkout/sessions",
        headers=auth,
        data={
            "mode": "payment",
            "success_url": "https://shop.test/ok",
            "line_items[0][price_data][currency]": "eur",
            "line_items[0][price_data][unit_amount]": "5000",
            "line_items[0][price_data][product_data][name]": "G1",
            "line_items[0][quantity]": "1",
        },
    )
    assert created.status_code == 200, created.text
    session = created.json()
    assert session["url"] == f"http://127.0.0.1:4000/sandbox/stripe/pay/{session['id']}"
    page = app_client.get(f"/sandbox/stripe/pay/{session['id']}")
    assert f'action="/sandbox/stripe/pay/{session["id"]}"' in page.text
    assert app_client.get("/sandbox/stripe/v1/events").status_code == 401
