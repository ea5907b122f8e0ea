"""The payment gateway port: what the booking side needs from Stripe (or the sandbox)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class GatewayError(Exception):
    """The gateway refused or failed a call. ``code`` is Stripe's error code when known."""

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True, slots=True, kw_only=True)
class LineItem:
    name: str
    unit_amount: int  # minor units
    quantity: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str | None  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    amount_total: int | None
    currency: str | None
    payment_intent: str | None
    client_reference_id: str | None
    expires_at: int
    metadata: dict[str, str] = field(default_factory=dict)
    customer_email: str | None = None
    customer_name: str | None = None

    @classmethod
    def from_stripe(cls, session: Mapping[str, Any]) -> CheckoutSession:
        """Ours from a Stripe Checkout Session object (its JSON, as Stripe sends it)."""
        details: Mapping[str, Any] = session.get("customer_details") or {}
        intent = session.get("payment_intent")  # an id, or the PaymentIntent when expanded
        if intent is not None and not isinstance(intent, str):
            intent = str(intent["id"])
        metadata: Mapping[str, Any] = session.get("metadata") or {}
        return cls(
            id=str(session["id"]),
            url=session.get("url"),
            status=session.get("status"),
            payment_status=session["payment_status"],
            amount_total=session.get("amount_total"),
            currency=session.get("currency"),
            payment_intent=intent,
            client_reference_id=session.get("client_reference_id"),
            expires_at=session["expires_at"],
            metadata={str(key): str(value) for key, value in metadata.items()},
            customer_email=details.get("email") or session.get("customer_email"),
            customer_name=details.get("name"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Refund:
    id: str
    status: str  # pending | succeeded | failed | canceled | requires_action
    amount: int


class PaymentGateway(Protocol):
    def create_checkout_session(
        self,
        *,
        order_id: str,
        user_id: str,
        currency: str,
        line_items: list[LineItem],
        success_url: str,
        cancel_url: str,
        expires_at: datetime,
        customer_email: str | None,
        idempotency_key: str,
        hold_expires_at: datetime | None = None,
    ) -> CheckoutSession: ...

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession: ...

    def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        """Expire an open session; when it is no longer open, return it as it is."""
        ...

    def refund(
        self, *, payment_intent_id: str, idempotency_key: str, amount: int | None = None
    ) -> Refund:
        """Refund ``amount`` (minor units) of the payment; all that is left of it when None."""
        ...

    def retrieve_refund(self, refund_id: str) -> Refund: ...
