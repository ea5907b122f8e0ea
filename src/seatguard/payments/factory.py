"""Choose the payment gateway from settings: real Stripe, a Stripe at STRIPE_API_BASE, or the
sandbox mounted in this process (the embedded default)."""

from __future__ import annotations

from fastapi import FastAPI

from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.payments.gateway import PaymentGateway
from seatguard.settings import Settings


def gateway_api_base(settings: Settings) -> str | None:
    """Where the Stripe adapter sends requests; ``None`` means Stripe itself."""
    if settings.stripe_api_base:
        return settings.stripe_api_base
    if settings.sandbox_enabled:
        return settings.sandbox_base_url
    return None


def build_gateway(settings: Settings) -> PaymentGateway:
    from seatguard.payments.stripe_gateway import StripeGateway  # loads Stripe's SDK: ~10 MB

    return StripeGateway(settings.stripe_secret_key, gateway_api_base(settings))


def build_sandbox_app(settings: Settings, *, db: Database, clock: Clock = system_clock) -> FastAPI:
    """The sandbox as mounted at ``/sandbox/stripe``, sending webhooks to this app's endpoint;
    its state in this app's database, so every worker process serves every session."""
    from seatguard.payments.sandbox import create_sandbox_app

    return create_sandbox_app(
        db=db,
        public_base_url=settings.sandbox_base_url,
        webhook_url=settings.stripe_webhook_url,
        webhook_secret=settings.stripe_webhook_secret,
        api_key=settings.stripe_secret_key,
        clock=clock,
    )
