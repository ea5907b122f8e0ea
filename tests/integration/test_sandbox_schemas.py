"""What the sandbox returns and sends validates against Stripe's official OpenAPI schemas."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from seatguard.common.db import Database
from seatguard.payments.gateway import LineItem
from seatguard.payments.stripe_gateway import StripeGateway
from tests.support.sandbox import (
    SANDBOX_KEY,
    receiving_webhooks,
    running_sandbox,
    stripe_schema_errors,
)

AUTH = {"Authorization": f"Bearer {SANDBOX_KEY}"}
CARD = {"exp_month": "12", "exp_year": "2099", "cvc": "123", "cardholder": "Ada"}


def test_the_schema_check_itself_rejects_what_stripe_would_not_send() -> None:
    assert stripe_schema_errors("refund", {"id": "re_1", "object": "refund"})
    assert stripe_schema_errors(
        "checkout.session", {"id": "cs_1", "object": "checkout.session", "status": "paid"}
    )


def test_sessions_intents_refunds_events_and_errors_match_stripe_schemas(db: Database) -> None:
    objects: list[tuple[str, dict[str, Any]]] = []
    with receiving_webhooks() as receiver, running_sandbox(db, receiver.url) as running:
        base = running.base_url
        gateway = StripeGateway(SANDBOX_KEY, base, max_network_retries=0)

        def new_session() -> str:
            return gateway.create_checkout_session(
                order_id="o-9", user_id="u-9", currency="eur",
                line_items=[LineItem(name="VIP A2", unit_amount=15000, quantity=2)],
                success_url="https://shop.test/ok?s={CHECKOUT_SESSION_ID}",
                cancel_url="https://shop.test/cancel",
                expires_at=datetime.now(UTC) + timedelta(hours=1),
                customer_email="ada@example.com", idempotency_key=str(uuid.uuid4()),
            ).id  # fmt: skip

        def get(path: str) -> dict[str, Any]:
            body: dict[str, Any] = httpx.get(f"{base}{path}", headers=AUTH).json()
            return body

        open_id, paid_id, expired_id = new_session(), new_session(), new_session()
        objects.append(("checkout.session", get(f"/v1/checkout/sessions/{open_id}")))
        pay_url = f"{base}/pay/{paid_id}"
        httpx.post(pay_url, data={"card_number": "4000000000009995", **CARD})
        declined = get(f"/v1/checkout/sessions/{paid_id}")
        objects.append(("payment_intent", get(f"/v1/payment_intents/{declined['payment_intent']}")))
        httpx.post(pay_url, data={"card_number": "4242424242424242", **CARD})
        paid = get(f"/v1/checkout/sessions/{paid_id}")
        objects.append(("checkout.session", paid))
        objects.append(("payment_intent", get(f"/v1/payment_intents/{paid['payment_intent']}")))
        gateway.expire_checkout_session(expired_id)
        objects.append(("checkout.session", get(f"/v1/checkout/sessions/{expired_id}")))
        refund = httpx.post(
            f"{base}/v1/refunds", headers=AUTH, data={"payment_intent": paid["payment_intent"]}
        ).json()
        objects.append(("refund", refund))
        for event in [d.event for d in receiver.wait_for(2)]:
            objects.append(("event", event))
            objects.append(("checkout.session", event["data"]["object"]))
        missing = httpx.get(f"{base}/v1/checkout/sessions/cs_nope", headers=AUTH)
        assert missing.status_code == 404
        objects.append(("error", missing.json()))
        bad = httpx.post(f"{base}/v1/checkout/sessions", headers=AUTH, data={"mode": "payment"})
        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == "parameter_missing"
        objects.append(("error", bad.json()))

    assert {kind for kind, _ in objects} == {
        "checkout.session", "payment_intent", "refund", "event", "error"
    }  # fmt: skip
    assert paid["status"] == "complete"
    assert declined["status"] == "open"
    for kind, instance in objects:
        assert stripe_schema_errors(kind, instance) == [], (kind, instance.get("id"))


@pytest.mark.parametrize(
    ("data", "param"),
    [
        ({"mode": "payment", "success_url": "https://x.test"}, "line_items"),
        (
            {"mode": "payment", "success_url": "https://x.test", "line_items[0][quantity]": "1"},
            "line_items[0][price_data]",
        ),
        ({"mode": "payment", "success_url": "https://x.test", "bogus": "1"}, "bogus"),
    ],
)
def test_bad_requests_get_stripe_shaped_errors(
    data: dict[str, str], param: str, db: Database
) -> None:
    with running_sandbox(db, "http://127.0.0.1:9/unused") as running:
        response = httpx.post(f"{running.base_url}/v1/checkout/sessions", headers=AUTH, data=data)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert stripe_schema_errors("error", response.json()) == []
