"""The PaymentGateway adapter for Stripe's API (real Stripe, or the sandbox speaking the same)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

import stripe

from seatguard.payments.gateway import CheckoutSession, GatewayError, LineItem, Refund

if TYPE_CHECKING:
    from stripe.checkout import Session
    from stripe.params import RefundCreateParams
    from stripe.params.checkout import SessionCreateParams, SessionCreateParamsLineItem

# The API version whose shapes the sandbox serves and the tests check (Stripe's OpenAPI schemas).
API_VERSION = "2023-08-16"


def _gateway_error(exc: stripe.StripeError) -> GatewayError:
    status = exc.http_status or 0
    retryable = (
        isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError)
        or status >= 500
        or status == 409
    ) and not isinstance(exc, stripe.IdempotencyError)
    message = exc.user_message or str(exc) or exc.__class__.__name__
    return GatewayError(message, code=exc.code, retryable=retryable)


def _session(s: Session) -> CheckoutSession:
    return CheckoutSession.from_stripe(s.to_dict(recursive=True))


class StripeGateway:
    """Talks to ``api_base`` (default: Stripe itself) with the official ``stripe`` package."""

    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        *,
        max_network_retries: int = 2,
        http_client: stripe.HTTPClient | None = None,
        api_version: str = API_VERSION,
    ) -> None:
        self.api_base = api_base
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=http_client,
            stripe_version=api_version,
        )

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
    ) -> CheckoutSession:
        items: list[SessionCreateParamsLineItem] = [
            {
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": item.unit_amount,
                    "product_data": {"name": item.name},
                },
                "quantity": item.quantity,
            }
            for item in line_items
        ]
        params: dict[str, Any] = {
            "mode": "payment",
            "payment_method_types": ["card"],
            "line_items": items,
            "client_reference_id": order_id,
            "metadata": {"order_id": order_id, "user_id": user_id},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(expires_at.timestamp()),
        }
        if customer_email:
            params["customer_email"] = customer_email
        if hold_expires_at is not None:  # the pay page counts down to the seats' release
            params["metadata"]["hold_expires_at"] = str(int(hold_expires_at.timestamp()))
        try:
            created = self._client.v1.checkout.sessions.create(
                cast("SessionCreateParams", params), {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc
        return _session(created)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        # Every paid order's fulfilment asks this once: the SDK's raw request (same client,
        # keys, version, retries and errors) read straight into ours, without building the
        # SDK's object tree and flattening it back into a dict.
        path = f"/v1/checkout/sessions/{quote(session_id, safe='')}"
        try:
            answer = self._client.raw_request("get", path)
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc
        return CheckoutSession.from_stripe(answer.data)

    def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        """Expire an open session; when it is no longer open, return it as it is."""
        try:
            return _session(self._client.v1.checkout.sessions.expire(session_id))
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                raise _gateway_error(exc) from exc
            current = self.retrieve_checkout_session(session_id)
            if current.status == "open":
                raise _gateway_error(exc) from exc
            return current
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc

    def refund(
        self, *, payment_intent_id: str, idempotency_key: str, amount: int | None = None
    ) -> Refund:
        params: dict[str, Any] = {"payment_intent": payment_intent_id}
        if amount is not None:  # a partial refund; Stripe refunds what is left without it
            params["amount"] = amount
        try:
            refund = self._client.v1.refunds.create(
                cast("RefundCreateParams", params), {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc
        return Refund(id=refund.id, status=refund.status or "pending", amount=refund.amount)

    def retrieve_refund(self, refund_id: str) -> Refund:
        try:
            refund = self._client.v1.refunds.retrieve(refund_id)
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc
        return Refund(id=refund.id, status=refund.status or "pending", amount=refund.amount)
