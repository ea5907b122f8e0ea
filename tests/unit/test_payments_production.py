"""Production never takes a sandbox payment: without real Stripe, payment services refuse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatguard.runtime import build_services
from seatguard.settings import (
    SANDBOX_SECRET_KEY,
    SANDBOX_WEBHOOK_SECRET,
    PaymentConfigurationError,
    Settings,
)

SECRET = "x" * 40


def production(**values: object) -> Settings:
    return Settings(_env_file=None, env="production", jwt_secret=SECRET, **values)  # type: ignore[arg-type]


def test_production_without_a_stripe_key_mounts_no_sandbox_and_refuses_to_take_payments() -> None:
    settings = production()
    assert not settings.sandbox_enabled
    with pytest.raises(PaymentConfigurationError, match="STRIPE_SECRET_KEY must be a real"):
        settings.require_payments_configured()
    with pytest.raises(PaymentConfigurationError, match="SEATGUARD_SANDBOX_ENABLED"):
        build_services(settings)


def test_production_refuses_an_explicit_sandbox_without_the_opt_in() -> None:
    settings = production(sandbox=True, stripe_secret_key="sk_live_abc", stripe_webhook_secret="w")
    with pytest.raises(PaymentConfigurationError, match="SANDBOX=true"):
        settings.require_payments_configured()


def test_production_refuses_the_sandbox_at_another_address_too() -> None:
    # The compose stack's shape: the sandbox container at STRIPE_API_BASE with its key.
    settings = production(
        stripe_api_base="http://sandbox:12111", stripe_webhook_secret="whsec_compose_local"
    )
    assert settings.payment_problem() is not None


@given(
    key=st.one_of(
        st.just(SANDBOX_SECRET_KEY),
        st.sampled_from(["", "sk_live_", "sk_test_", "pk_live_abc", "whsec_x", "sandbox"]),
        st.text(max_size=20).filter(lambda k: not k.startswith(("sk_", "rk_"))),
    ),
    sandbox=st.sampled_from([None, True, False]),
    api_base=st.sampled_from([None, "http://127.0.0.1:12111"]),
)
def test_production_takes_no_payment_without_a_real_key_whatever_else_is_set(
    key: str, sandbox: bool | None, api_base: str | None
) -> None:
    settings = production(
        stripe_secret_key=key,
        sandbox=sandbox,
        stripe_api_base=api_base,
        stripe_webhook_secret="whsec_real",
    )
    with pytest.raises(PaymentConfigurationError):
        settings.require_payments_configured()
    assert not settings.sandbox_enabled or sandbox is True


def test_real_stripe_in_production_starts() -> None:
    settings = production(stripe_secret_key="sk_live_51abc", stripe_webhook_secret="whsec_real")
    assert settings.payment_problem() is None
    assert not settings.sandbox_enabled


def test_an_explicit_opt_in_allows_the_sandbox_in_production() -> None:
    settings = production(sandbox_in_production=True)
    assert settings.payment_problem() is None
    assert settings.sandbox_enabled
    assert settings.stripe_webhook_secret == SANDBOX_WEBHOOK_SECRET


def test_the_opt_in_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEATGUARD_SANDBOX_ENABLED", "true")
    assert production().sandbox_in_production
    monkeypatch.setenv("SEATGUARD_SANDBOX_ENABLED", "false")
    assert production().payment_problem() is not None


def test_development_and_test_keep_the_embedded_sandbox() -> None:
    for env in ("development", "test"):
        settings = Settings(_env_file=None, env=env)
        assert settings.sandbox_enabled
        assert settings.payment_problem() is None
