"""Which gateway the settings select, and the payment settings' defaults."""

from __future__ import annotations

import pytest

from seatguard.payments.factory import build_gateway, gateway_api_base
from seatguard.payments.stripe_gateway import StripeGateway
from seatguard.settings import Settings


def make(**values: object) -> Settings:
    return Settings(env="test", **values)  # type: ignore[arg-type]


def test_the_embedded_default_points_at_the_sandbox_in_this_process() -> None:
    settings = make(public_base_url="http://127.0.0.1:4000")
    assert settings.sandbox_enabled
    gateway = build_gateway(settings)
    assert isinstance(gateway, StripeGateway)
    assert gateway.api_base == "http://127.0.0.1:4000/sandbox/stripe"
    assert settings.stripe_webhook_url == "http://127.0.0.1:4000/api/v1/stripe/webhook"
    assert settings.stripe_success_url == (
        "http://127.0.0.1:4000/checkout/success"
        "?order_id={ORDER_ID}&session_id={CHECKOUT_SESSION_ID}"
    )
    assert settings.stripe_cancel_url == "http://127.0.0.1:4000/checkout/cancel?order_id={ORDER_ID}"


def test_a_real_key_with_an_api_base_uses_that_base() -> None:
    settings = make(stripe_secret_key="sk_test_real", stripe_api_base="http://127.0.0.1:12111")
    assert not settings.sandbox_enabled
    assert gateway_api_base(settings) == "http://127.0.0.1:12111"


def test_a_real_key_alone_talks_to_stripe() -> None:
    settings = make(stripe_secret_key="sk_test_real", stripe_webhook_secret="whsec_real")
    assert not settings.sandbox_enabled
    assert gateway_api_base(settings) is None


def test_templates_given_by_the_environment_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "STRIPE_SUCCESS_URL", "https://shop.test/dentro/checkout/success?order_id={ORDER_ID}"
    )
    monkeypatch.setenv("SANDBOX", "false")
    settings = make()
    assert settings.stripe_success_url.endswith("/dentro/checkout/success?order_id={ORDER_ID}")
    assert not settings.sandbox_enabled


def test_production_refuses_the_sandbox_webhook_secret_with_real_stripe() -> None:
    settings = Settings(env="production", jwt_secret="x" * 40, stripe_secret_key="sk_live_x")
    with pytest.raises(ValueError, match="STRIPE_WEBHOOK_SECRET"):
        settings.require_payments_configured()
