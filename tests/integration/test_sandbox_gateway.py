"""The Stripe adapter against the sandbox over real HTTP: sessions, expiry, refunds, idempotency."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from seatguard.common.db import Database
from seatguard.payments.gateway import CheckoutSession, GatewayError, LineItem
from seatguard.payments.stripe_gateway import StripeGateway
from seatguard.payments.webhooks import verify_event
from tests.support.postgres import free_port
from tests.support.sandbox import (
    SANDBOX_KEY,
    WEBHOOK_SECRET,
    RunningSandbox,
    WebhookReceiver,
    receiving_webhooks,
    running_sandbox,
)

SUCCESS = "https://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "https://shop.test/checkout/cancel"
CARD = {"exp_month": "12", "exp_year": "2099", "cvc": "123", "cardholder": "Ada Lovelace"}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with receiving_webhooks() as r:
        yield r


@pytest.fixture
def running(receiver: WebhookReceiver, db: Database) -> Iterator[RunningSandbox]:
    with running_sandbox(db, receiver.url) as r:
        yield r


@pytest.fixture
def gateway(running: RunningSandbox) -> StripeGateway:
    return StripeGateway(SANDBOX_KEY, running.base_url, max_network_retries=0)


def create(
    gateway: StripeGateway, *, key: str | None = None, **overrides: object
) -> CheckoutSession:
    args: dict[str, object] = {
        "order_id": "order-1",
        "user_id": "user-1",
        "currency": "EUR",
        "line_items": [
            LineItem(name="VIP A1", unit_amount=15000),
            LineItem(name="GENERAL G7", unit_amount=4500, quantity=2),
        ],
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
        "expires_at": datetime.now(UTC) + timedelta(minutes=30, seconds=5),
        "customer_email": "ada@example.com",
        "idempotency_key": key or str(uuid.uuid4()),
    }
    args.update(overrides)
    return gateway.create_checkout_session(**args)  # type: ignore[arg-type]


def pay(session: CheckoutSession, number: str) -> httpx.Response:
    assert session.url is not None
    return httpx.post(session.url, data={"card_number": number, **CARD}, follow_redirects=False)


def test_create_and_retrieve_a_session(gateway: StripeGateway) -> None:
    session = create(gateway)
    assert session.id.startswith("cs_test_")
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.amount_total == 15000 + 2 * 4500
    assert session.currency == "eur"
    assert session.client_reference_id == "order-1"
    assert session.metadata == {"order_id": "order-1", "user_id": "user-1"}
    assert session.url is not None
    assert session.url.endswith(f"/pay/{session.id}")
    assert gateway.retrieve_checkout_session(session.id) == session


def test_the_same_idempotency_key_returns_the_same_session(gateway: StripeGateway) -> None:
    # the same request twice means the same parameters, expiry included (a retry resends them)
    expires = datetime.now(UTC) + timedelta(minutes=30, seconds=5)
    first = create(gateway, key="checkout-order-1", expires_at=expires)
    again = create(gateway, key="checkout-order-1", expires_at=expires)
    assert again.id == first.id
    with pytest.raises(GatewayError) as refused:
        create(gateway, key="checkout-order-1", order_id="order-2", expires_at=expires)
    assert not refused.value.retryable


def test_paying_with_4242_completes_the_session_and_sends_a_signed_webhook(
    gateway: StripeGateway, receiver: WebhookReceiver
) -> None:
    session = create(gateway)
    response = pay(session, "4242 4242 4242 4242")
    assert response.status_code == 303
    assert response.headers["location"] == SUCCESS.replace("{CHECKOUT_SESSION_ID}", session.id)

    paid = gateway.retrieve_checkout_session(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent is not None
    assert paid.payment_intent.startswith("pi_")
    assert paid.url is None
    assert paid.customer_name == "Ada Lovelace"

    delivery = receiver.wait_for(1)[0]
    event = verify_event(delivery.body, delivery.headers["Stripe-Signature"], WEBHOOK_SECRET)
    assert event["type"] == "checkout.session.completed"
    assert event["livemode"] is False
    assert event["data"]["object"]["id"] == session.id
    assert event["data"]["object"]["payment_status"] == "paid"
    assert event["data"]["object"]["metadata"]["order_id"] == "order-1"


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        ("4000000000000002", "generic_decline", "Your card was declined."),
        ("4000000000009995", "insufficient_funds", "Your card has insufficient funds."),
        ("4000000000009979", "stolen_card", "Your card was declined."),
        ("4000000000000069", "expired_card", "Your card has expired."),
        ("4000000000000127", "incorrect_cvc", "Your card&#x27;s security code is incorrect."),
        ("4000000000000119", "processing_error", "An error occurred while processing your card."),
        ("4242424242424241", "incorrect_number", "Your card number is incorrect."),
        ("4000000000006975", "card_velocity_exceeded", "repeated attempts too frequently"),
    ],
)
def test_a_failing_test_card_shows_its_code_and_leaves_the_session_open(
    gateway: StripeGateway, running: RunningSandbox, number: str, code: str, message: str
) -> None:
    session = create(gateway)
    response = pay(session, number)
    assert response.status_code == 402
    assert f"<code>{code}</code>" in response.text
    assert message in response.text
    assert 'role="alert"' in response.text
    after = gateway.retrieve_checkout_session(session.id)
    assert (after.status, after.payment_status) == ("open", "unpaid")
    assert running.sandbox.events.latest(type=None, limit=10) == ([], False)


def test_after_a_decline_the_same_session_can_still_be_paid(gateway: StripeGateway) -> None:
    session = create(gateway)
    assert pay(session, "4000000000009995").status_code == 402
    assert pay(session, "4242424242424242").status_code == 303
    assert gateway.retrieve_checkout_session(session.id).payment_status == "paid"


def test_expiring_an_open_session_sends_the_expired_event(
    gateway: StripeGateway, receiver: WebhookReceiver
) -> None:
    session = create(gateway)
    expired = gateway.expire_checkout_session(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    event = receiver.wait_for(1)[0].event
    assert event["type"] == "checkout.session.expired"
    assert event["data"]["object"]["status"] == "expired"
    page = httpx.get(session.url or "")
    assert page.status_code == 410
    assert "expired" in page.text


def test_expiring_a_paid_or_expired_session_returns_it_as_it_is(gateway: StripeGateway) -> None:
    paid = create(gateway)
    pay(paid, "4242424242424242")
    assert gateway.expire_checkout_session(paid.id).status == "complete"
    gone = create(gateway)
    gateway.expire_checkout_session(gone.id)
    assert gateway.expire_checkout_session(gone.id).status == "expired"


def test_refunds_are_idempotent_and_never_exceed_the_payment(gateway: StripeGateway) -> None:
    session = create(gateway)
    pay(session, "4242424242424242")
    intent = gateway.retrieve_checkout_session(session.id).payment_intent
    assert intent is not None
    refund = gateway.refund(payment_intent_id=intent, idempotency_key="refund-order-1")
    assert (refund.status, refund.amount) == ("succeeded", 24000)
    assert gateway.refund(payment_intent_id=intent, idempotency_key="refund-order-1") == refund
    with pytest.raises(GatewayError) as twice:
        gateway.refund(payment_intent_id=intent, idempotency_key="refund-order-1-again")
    assert twice.value.code == "charge_already_refunded"


def test_refunding_an_unpaid_or_unknown_intent_is_refused(gateway: StripeGateway) -> None:
    with pytest.raises(GatewayError) as unknown:
        gateway.refund(payment_intent_id="pi_nope", idempotency_key="r1")
    assert unknown.value.code == "resource_missing"


def test_unknown_sessions_and_bad_keys_are_refused(running: RunningSandbox) -> None:
    gateway = StripeGateway(SANDBOX_KEY, running.base_url, max_network_retries=0)
    with pytest.raises(GatewayError) as missing:
        gateway.retrieve_checkout_session("cs_test_missing")
    assert (missing.value.code, missing.value.retryable) == ("resource_missing", False)
    intruder = StripeGateway("sk_test_wrong_key_123456", running.base_url, max_network_retries=0)
    with pytest.raises(GatewayError) as denied:
        create(intruder)
    assert not denied.value.retryable
    raw = httpx.get(f"{running.base_url}/v1/checkout/sessions/x")
    assert raw.status_code == 401
    assert raw.json()["error"]["type"] == "invalid_request_error"


def test_an_unreachable_gateway_is_a_retryable_error() -> None:
    gateway = StripeGateway(SANDBOX_KEY, f"http://127.0.0.1:{free_port()}", max_network_retries=0)
    with pytest.raises(GatewayError) as down:
        gateway.retrieve_checkout_session("cs_test_x")
    assert down.value.retryable


def test_expires_at_must_be_between_30_minutes_and_24_hours(gateway: StripeGateway) -> None:
    with pytest.raises(GatewayError) as too_soon:
        create(gateway, expires_at=datetime.now(UTC) + timedelta(minutes=10))
    assert "30 minutes" in str(too_soon.value)
