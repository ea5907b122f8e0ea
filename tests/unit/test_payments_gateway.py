"""Reading Stripe's Checkout Session JSON into our CheckoutSession."""

from __future__ import annotations

from typing import Any

from seatguard.payments.gateway import CheckoutSession

OPEN: dict[str, Any] = {
    "id": "cs_test_1",
    "object": "checkout.session",
    "url": "https://checkout.stripe.com/c/pay/cs_test_1",
    "status": "open",
    "payment_status": "unpaid",
    "amount_total": 12_000,
    "currency": "eur",
    "payment_intent": None,
    "client_reference_id": "order-1",
    "expires_at": 1_700_000_000,
    "metadata": {"order_id": "order-1", "user_id": "user-1"},
    "customer_email": "buyer@example.com",
    "customer_details": None,
}


def test_an_open_session_keeps_every_field():
    session = CheckoutSession.from_stripe(OPEN)
    assert session == CheckoutSession(
        id="cs_test_1",
        url="https://checkout.stripe.com/c/pay/cs_test_1",
        status="open",
        payment_status="unpaid",
        amount_total=12_000,
        currency="eur",
        payment_intent=None,
        client_reference_id="order-1",
        expires_at=1_700_000_000,
        metadata={"order_id": "order-1", "user_id": "user-1"},
        customer_email="buyer@example.com",
        customer_name=None,
    )


def test_a_paid_session_takes_the_buyer_from_customer_details_and_the_intent_id():
    paid = {
        **OPEN,
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": {"id": "pi_1", "object": "payment_intent"},  # expanded
        "customer_details": {"email": "card@example.com", "name": "Ada Lovelace"},
        "metadata": {"order_id": "order-1", "attempt": 2},
    }
    session = CheckoutSession.from_stripe(paid)
    assert session.payment_intent == "pi_1"
    assert session.customer_email == "card@example.com"
    assert session.customer_name == "Ada Lovelace"
    assert session.metadata == {"order_id": "order-1", "attempt": "2"}
    assert CheckoutSession.from_stripe({**paid, "payment_intent": "pi_2"}).payment_intent == "pi_2"


def test_details_without_an_email_fall_back_to_the_session_email():
    session = CheckoutSession.from_stripe(
        {**OPEN, "customer_details": {"email": None, "name": "Ada"}, "metadata": None}
    )
    assert session.customer_email == "buyer@example.com"
    assert session.customer_name == "Ada"
    assert session.metadata == {}
