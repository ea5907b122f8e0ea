"""The sandbox's pieces without a server: form decoding, test cards, session and refund rules."""

from __future__ import annotations

from typing import Any

import pytest

from seatguard.payments.sandbox.cards import Card, Decline, charge, luhn_valid
from seatguard.payments.sandbox.errors import SandboxError
from seatguard.payments.sandbox.forms import decode_form
from seatguard.payments.sandbox.store import CardDeclined, SandboxStore

NOW = 1_800_000_000


def session_params(**extra: Any) -> dict[str, Any]:
    return {
        "mode": "payment",
        "success_url": "https://x.test/ok",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": "1500",
                    "product_data": {"name": "A1"},
                },
                "quantity": "2",
            }
        ],
        **extra,
    }


def test_decode_form_builds_stripes_nested_shapes() -> None:
    body = (
        b"mode=payment&line_items[0][price_data][currency]=eur&line_items[0][quantity]=1"
        b"&line_items[1][quantity]=3&metadata[order_id]=o-1&expand[]=a&expand[]=b"
    )
    assert decode_form(body) == {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "eur"}, "quantity": "1"}, {"quantity": "3"}],
        "metadata": {"order_id": "o-1"},
        "expand": ["a", "b"],
    }


def test_decode_form_refuses_conflicting_keys() -> None:
    with pytest.raises(SandboxError):
        decode_form(b"metadata=x&metadata[a]=b")


def test_test_cards() -> None:
    assert charge("4242424242424242") == Card(brand="visa", last4="4242")
    assert isinstance(charge("4000000000009995"), Decline)
    assert charge("4000000000009995").reason == "insufficient_funds"  # type: ignore[union-attr]
    assert charge("4000000000000069").reason == "expired_card"  # type: ignore[union-attr]
    assert luhn_valid("4242424242424242")
    assert not luhn_valid("4242424242424241")
    assert charge("4111111111111112").reason == "incorrect_number"  # type: ignore[union-attr]
    assert charge("4111111111111111").reason == "test_mode_live_card"  # type: ignore[union-attr]


def test_a_session_totals_its_items_and_expires_on_time() -> None:
    store = SandboxStore(pay_base_url="http://sandbox.test")
    session = store.create_session(session_params(expires_at=str(NOW + 1800)), now=NOW)
    assert session.amount_total == 3000
    assert store.expire_due(now=NOW + 1799) == 0
    assert store.expire_due(now=NOW + 1800) == 1
    assert session.status == "expired"
    assert [e.type for e in store.events.values()] == ["checkout.session.expired"]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"expires_at": str(NOW + 60)}, "expires_at"),
        ({"expires_at": str(NOW + 25 * 3600)}, "expires_at"),
        ({"mode": "subscription"}, "mode"),
        ({"payment_method_types": ["card", "sepa_debit"]}, "payment_method_types"),
        ({"line_items": [{"price": "price_1", "quantity": "1"}]}, "line_items[0][price]"),
        ({"success_url": ""}, "success_url"),
    ],
)
def test_invalid_sessions_name_the_bad_parameter(extra: dict[str, Any], param: str) -> None:
    store = SandboxStore(pay_base_url="http://sandbox.test")
    with pytest.raises(SandboxError) as refused:
        store.create_session(session_params(**extra), now=NOW)
    assert refused.value.param == param
    assert store.sessions == {}


def test_partial_refunds_add_up_to_the_payment_and_no_further() -> None:
    store = SandboxStore(pay_base_url="http://sandbox.test")
    session = store.create_session(session_params(), now=NOW)
    with pytest.raises(CardDeclined):
        store.pay(session.id, number="4000000000000002", name=None, email=None, now=NOW)
    with pytest.raises(SandboxError):  # nothing was charged yet
        store.create_refund({"payment_intent": session.payment_intent}, now=NOW)
    store.pay(session.id, number="4242424242424242", name="Ada", email=None, now=NOW)
    intent = session.payment_intent
    assert store.create_refund({"payment_intent": intent, "amount": "1000"}, now=NOW).amount == 1000
    with pytest.raises(SandboxError) as too_much:
        store.create_refund({"payment_intent": intent, "amount": "2001"}, now=NOW)
    assert too_much.value.code == "amount_too_large"
    assert store.create_refund({"payment_intent": intent}, now=NOW).amount == 2000
    with pytest.raises(SandboxError) as done:
        store.create_refund({"payment_intent": intent}, now=NOW)
    assert done.value.code == "charge_already_refunded"
