"""The sandbox's in-memory, thread-safe state and the operations Stripe would perform on it.

This is a test gateway: nothing is persisted and no money moves. One re-entrant lock guards all
state, so API calls, the hosted page and the expiry/delivery thread see a consistent picture.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from seatguard.payments.sandbox import cards, params
from seatguard.payments.sandbox.errors import SandboxError, invalid_request, missing, no_such
from seatguard.payments.sandbox.objects import session_json
from seatguard.payments.sandbox.records import (
    EventRecord,
    ItemRecord,
    PaymentIntentRecord,
    RefundRecord,
    SessionRecord,
    new_id,
)

EventListener = Callable[[EventRecord], None]


class CardDeclined(Exception):
    def __init__(self, decline: cards.Decline) -> None:
        super().__init__(decline.message)
        self.decline = decline


class SandboxStore:
    def __init__(self, *, pay_base_url: str) -> None:
        self.pay_base_url = pay_base_url.rstrip("/")
        self.lock = threading.RLock()
        self.sessions: dict[str, SessionRecord] = {}
        self.intents: dict[str, PaymentIntentRecord] = {}
        self.refunds: dict[str, RefundRecord] = {}
        self.events: dict[str, EventRecord] = {}
        self.idempotency: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.listeners: list[EventListener] = []

    # -- checkout sessions -------------------------------------------------------------------
    def create_session(self, p: dict[str, Any], *, now: int) -> SessionRecord:
        params.check_session_shape(p)
        items = params.line_items(p)
        record = SessionRecord(
            id=new_id("cs_test_", 58),
            created=now,
            expires_at=params.expires_at(p, now=now),
            currency=items[0].currency,
            items=[
                ItemRecord(
                    id=new_id("li_"), name=i.name, unit_amount=i.unit_amount, quantity=i.quantity
                )
                for i in items
            ],
            success_url=str(params.text(p, "success_url", required=True)),
            cancel_url=params.text(p, "cancel_url"),
            client_reference_id=params.text(p, "client_reference_id", max_len=200),
            customer_email=params.email(p, "customer_email"),
            metadata=params.metadata(p),
        )
        with self.lock:
            self.sessions[record.id] = record
        return record

    def session(self, session_id: str, *, now: int) -> SessionRecord:
        with self.lock:
            record = self.sessions.get(session_id)
            if record is None:
                raise no_such("checkout.session", session_id, param="session")
            self._expire_if_due(record, now=now)
            return record

    def expire_session(
        self, session_id: str, *, now: int, request: dict[str, str | None]
    ) -> SessionRecord:
        with self.lock:
            record = self.session(session_id, now=now)
            if record.status != "open":
                raise invalid_request(
                    f"This Checkout Session is {record.status}; only Checkout Sessions with a "
                    "status of `open` can be expired.",
                    param="session",
                )
            self._expire(record, now=now, request=request)
            return record

    def expire_due(self, *, now: int) -> int:
        with self.lock:
            due = [s for s in self.sessions.values() if s.status == "open" and s.expires_at <= now]
            for record in due:
                self._expire(record, now=now, request={"id": None, "idempotency_key": None})
            return len(due)

    def _expire_if_due(self, record: SessionRecord, *, now: int) -> None:
        if record.status == "open" and record.expires_at <= now:
            self._expire(record, now=now, request={"id": None, "idempotency_key": None})

    def _expire(self, record: SessionRecord, *, now: int, request: dict[str, str | None]) -> None:
        record.status = "expired"
        self._emit("checkout.session.expired", record, now=now, request=request)

    # -- paying on the hosted page ------------------------------------------------------------
    def pay(
        self, session_id: str, *, number: str, name: str | None, email: str | None, now: int
    ) -> SessionRecord:
        """Charge the session with a test card; raise ``CardDeclined`` as Stripe would decline."""
        with self.lock:
            record = self.session(session_id, now=now)
            if record.status != "open":
                raise invalid_request(f"This Checkout Session is {record.status}.")
            intent = self._intent_for(record, now=now)
            outcome = cards.charge(number)
            if isinstance(outcome, cards.Decline):
                intent.last_error = outcome
                raise CardDeclined(outcome)
            intent.status = "succeeded"
            intent.last_error = None
            intent.charge = new_id("ch_")
            intent.payment_method = new_id("pm_")
            intent.receipt_email = email or record.customer_email
            record.status = "complete"
            record.payment_status = "paid"
            record.customer_name = name
            record.paid_email = email or record.customer_email
            self._emit(
                "checkout.session.completed",
                record,
                now=now,
                request={"id": None, "idempotency_key": None},
            )
            return record

    def _intent_for(self, record: SessionRecord, *, now: int) -> PaymentIntentRecord:
        if record.payment_intent is None:
            intent = PaymentIntentRecord(
                id=new_id("pi_"), created=now, amount=record.amount_total, currency=record.currency
            )
            self.intents[intent.id] = intent
            record.payment_intent = intent.id
        return self.intents[record.payment_intent]

    def payment_intent(self, intent_id: str) -> PaymentIntentRecord:
        with self.lock:
            intent = self.intents.get(intent_id)
            if intent is None:
                raise no_such("payment_intent", intent_id, param="intent")
            return intent

    # -- refunds ------------------------------------------------------------------------------
    def create_refund(self, p: dict[str, Any], *, now: int) -> RefundRecord:
        params.reject_unknown(p, params.REFUND_PARAMS)
        with self.lock:
            intent = self._refundable_intent(p)
            remaining = intent.amount - intent.amount_refunded
            amount = remaining
            if p.get("amount") not in (None, ""):
                amount = params.integer(p["amount"], "amount", minimum=1)
            if remaining <= 0:
                raise SandboxError(
                    f"Charge {intent.charge} has already been refunded.",
                    code="charge_already_refunded",
                )
            if amount > remaining:
                raise invalid_request(
                    f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                    f"({remaining})",
                    param="amount",
                    code="amount_too_large",
                )
            reason = params.text(p, "reason")
            if reason is not None and reason not in params.REFUND_REASONS:
                raise invalid_request(f"Invalid reason: {reason}", param="reason")
            refund = RefundRecord(
                id=new_id("re_"),
                created=now,
                amount=amount,
                currency=intent.currency,
                payment_intent=intent.id,
                charge=intent.charge,
                reason=reason,
                metadata=params.metadata(p),
            )
            intent.amount_refunded += amount
            self.refunds[refund.id] = refund
            return refund

    def _refundable_intent(self, p: dict[str, Any]) -> PaymentIntentRecord:
        intent_id = params.text(p, "payment_intent")
        charge_id = params.text(p, "charge")
        if intent_id is None and charge_id is None:
            raise missing("payment_intent")
        if intent_id is not None:
            intent = self.intents.get(intent_id)
            if intent is None:
                raise no_such("payment_intent", intent_id, param="payment_intent")
        else:
            found = [i for i in self.intents.values() if i.charge == charge_id]
            if not found:
                raise no_such("charge", str(charge_id), param="charge")
            intent = found[0]
        if intent.status != "succeeded":
            raise invalid_request(
                f"This PaymentIntent ({intent.id}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        return intent

    # -- events -------------------------------------------------------------------------------
    def _emit(
        self, kind: str, record: SessionRecord, *, now: int, request: dict[str, str | None]
    ) -> None:
        event = EventRecord(
            id=new_id("evt_"),
            type=kind,
            created=now,
            object=session_json(record, pay_base_url=self.pay_base_url),
            request=request,
        )
        self.events[event.id] = event
        for listener in self.listeners:
            listener(event)

    def event(self, event_id: str) -> EventRecord:
        with self.lock:
            event = self.events.get(event_id)
            if event is None:
                raise no_such("event", event_id)
            return event
