"""An in-memory PaymentGateway with Stripe's rules, for the model-based test.

The real adapter against the sandbox costs several HTTP round trips per call; hypothesis runs
thousands of steps, so the state machine uses this faithful fake of the port instead. It keeps
the rules that matter to the engine: a session is ``open`` until paid (``complete``/``paid``)
or expired, an expired or completed session cannot change any more, expiring a session that is
no longer open returns it as it is, refunds are idempotent on their key, and each state change
produces the webhook event Stripe would send. The real path (stripe SDK → sandbox over HTTP)
is covered by tests/integration/test_payment_flow.py.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime
from typing import Any

from seatguard.payments.gateway import CheckoutSession, GatewayError, LineItem, Refund


class MemoryGateway:
    def __init__(self) -> None:
        self.sessions: dict[str, CheckoutSession] = {}
        self.refunds: dict[str, Refund] = {}  # idempotency key -> refund
        self.refunded_intents: dict[str, int] = {}  # payment intent -> refunds issued
        self.amount_refunded: dict[str, int] = {}  # payment intent -> minor units given back
        self.refund_failure: GatewayError | None = None  # raised by refund() while set (outage)
        self.events: list[dict[str, Any]] = []  # every webhook event, in creation order
        self._ids = itertools.count(1)
        self._by_key: dict[str, str] = {}
        self.fail_next_create = False
        self.refund_outcomes: list[str] = []  # statuses the next refunds get (else succeeded)
        self.refunds_by_id: dict[str, tuple[str, Refund]] = {}  # id -> (payment intent, refund)

    def _next(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"

    def _event(self, kind: str, session: CheckoutSession) -> dict[str, Any]:
        event = {
            "id": self._next("evt"),
            "type": kind,
            "data": {"object": {"id": session.id, "object": "checkout.session"}},
        }
        self.events.append(event)
        return event

    # -- the port --------------------------------------------------------------------------

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
        if self.fail_next_create:
            self.fail_next_create = False
            raise GatewayError("connection reset", retryable=True)
        if idempotency_key in self._by_key:
            return self.sessions[self._by_key[idempotency_key]]
        session_id = self._next("cs_test")
        # what Stripe answers to StripeGateway's request, read the way the adapter reads it
        stripe_session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://pay.invalid/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": sum(i.unit_amount * i.quantity for i in line_items),
            "currency": currency.lower(),
            "payment_intent": None,
            "client_reference_id": order_id,
            "expires_at": int(expires_at.timestamp()),
            "metadata": {"order_id": order_id, "user_id": user_id},
            "customer_email": customer_email,
            "customer_details": None,
        }
        session = CheckoutSession.from_stripe(stripe_session)
        self.sessions[session_id] = session
        self._by_key[idempotency_key] = session_id
        return session

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise GatewayError(f"No such checkout.session: {session_id}") from None

    def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        session = self.retrieve_checkout_session(session_id)
        if session.status != "open":
            return session
        expired = dataclasses.replace(session, status="expired")
        self.sessions[session_id] = expired
        self._event("checkout.session.expired", expired)
        return expired

    def refund(
        self, *, payment_intent_id: str, idempotency_key: str, amount: int | None = None
    ) -> Refund:
        if idempotency_key in self.refunds:
            return self.refunds[idempotency_key]
        paid = [
            s
            for s in self.sessions.values()
            if s.payment_intent == payment_intent_id and s.payment_status == "paid"
        ]
        if not payment_intent_id or not paid:
            raise GatewayError(f"No such payment_intent: {payment_intent_id!r}")
        left = (paid[0].amount_total or 0) - self.amount_refunded.get(payment_intent_id, 0)
        if left <= 0:
            raise GatewayError("already refunded", code="charge_already_refunded")
        if amount is not None and not 0 < amount <= left:
            raise GatewayError(
                f"refund of {amount} exceeds the {left} left", code="amount_too_large"
            )
        if self.refund_failure is not None:
            raise self.refund_failure
        status = self.refund_outcomes.pop(0) if self.refund_outcomes else "succeeded"
        refund = Refund(
            id=self._next("re"), status=status, amount=left if amount is None else amount
        )
        self.refunds[idempotency_key] = refund
        self.refunds_by_id[refund.id] = (payment_intent_id, refund)
        if status != "failed":  # the money is on its way back
            self.refunded_intents[payment_intent_id] = (
                self.refunded_intents.get(payment_intent_id, 0) + 1
            )
            self.amount_refunded[payment_intent_id] = (
                self.amount_refunded.get(payment_intent_id, 0) + refund.amount
            )
        return refund

    def retrieve_refund(self, refund_id: str) -> Refund:
        try:
            return self.refunds_by_id[refund_id][1]
        except KeyError:
            raise GatewayError(f"No such refund: {refund_id}") from None

    def settle_refund(self, refund_id: str, status: str) -> dict[str, Any]:
        """A pending refund succeeds or fails later; Stripe sends ``refund.updated``."""
        intent, refund = self.refunds_by_id[refund_id]
        settled = dataclasses.replace(refund, status=status)
        self.refunds_by_id[refund_id] = (intent, settled)
        for key, value in self.refunds.items():
            if value.id == refund_id:
                self.refunds[key] = settled
        if status == "failed" and refund.status != "failed":
            self.refunded_intents[intent] -= 1
            self.amount_refunded[intent] -= refund.amount
        event = {
            "id": self._next("evt"),
            "type": "refund.updated",
            "data": {
                "object": {
                    "id": refund_id,
                    "object": "refund",
                    "payment_intent": intent,
                    "status": status,
                }
            },
        }
        self.events.append(event)
        return event

    # -- what the buyer and Stripe's clock do ----------------------------------------------

    def pay(self, session_id: str) -> dict[str, Any] | None:
        """A good card on the hosted page: the session completes (only while open)."""
        session = self.sessions[session_id]
        if session.status != "open":
            return None
        paid = dataclasses.replace(
            session,
            status="complete",
            payment_status="paid",
            payment_intent=self._next("pi"),
            customer_name="Ada Lovelace",
        )
        self.sessions[session_id] = paid
        return self._event("checkout.session.completed", paid)

    def pay_async(self, session_id: str) -> dict[str, Any] | None:
        """A bank debit: the session completes, the money is still on its way."""
        session = self.sessions[session_id]
        if session.status != "open":
            return None
        pending = dataclasses.replace(
            session, status="complete", payment_status="unpaid", payment_intent=self._next("pi")
        )
        self.sessions[session_id] = pending
        return self._event("checkout.session.completed", pending)

    def settle_async(self, session_id: str, *, succeeded: bool) -> dict[str, Any] | None:
        session = self.sessions[session_id]
        if session.status != "complete" or session.payment_status != "unpaid":
            return None
        if succeeded:
            paid = dataclasses.replace(session, payment_status="paid", customer_name="Ada")
            self.sessions[session_id] = paid
            return self._event("checkout.session.async_payment_succeeded", paid)
        return self._event("checkout.session.async_payment_failed", session)

    def dispute(self, session_id: str) -> dict[str, Any]:
        session = self.sessions[session_id]
        event = {
            "id": self._next("evt"),
            "type": "charge.dispute.created",
            "data": {
                "object": {
                    "id": self._next("dp"),
                    "object": "dispute",
                    "amount": session.amount_total,
                    "currency": session.currency,
                    "charge": self._next("ch"),
                    "payment_intent": session.payment_intent,
                    "reason": "fraudulent",
                    "status": "needs_response",
                }
            },
        }
        self.events.append(event)
        return event

    def expire_due(self, now: datetime) -> list[dict[str, Any]]:
        """Stripe expires open sessions at their ``expires_at`` on its own."""
        events = []
        for session in list(self.sessions.values()):
            if session.status == "open" and session.expires_at <= int(now.timestamp()):
                expired = dataclasses.replace(session, status="expired")
                self.sessions[session.id] = expired
                events.append(self._event("checkout.session.expired", expired))
        return events

    def paid_sessions(self) -> list[CheckoutSession]:
        return [s for s in self.sessions.values() if s.payment_status == "paid"]
