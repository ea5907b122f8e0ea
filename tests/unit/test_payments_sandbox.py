"""The sandbox's pieces without a server or a database: form decoding and test cards."""

from __future__ import annotations

import pytest

from seatguard.payments.sandbox.cards import Card, Decline, charge, luhn_valid
from seatguard.payments.sandbox.errors import SandboxError
from seatguard.payments.sandbox.forms import decode_form


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
