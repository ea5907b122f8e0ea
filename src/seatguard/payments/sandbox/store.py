"""The sandbox's state, in the database, and the operations Stripe would perform on it.

Every operation is one transaction, so any number of processes (uvicorn workers, a restarted
one) see one picture. A session is locked before it changes (``FOR UPDATE`` on PostgreSQL,
the writer lock on SQLite), so paying and expiring cannot both win; an event and its first
webhook delivery are written in the same transaction as the change they announce.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatguard.common.db import Database
from seatguard.payments.sandbox import cards, params
from seatguard.payments.sandbox.errors import SandboxError, invalid_request, missing, no_such
from seatguard.payments.sandbox.objects import session_json
from seatguard.payments.sandbox.records import (
    PaymentIntentRecord,
    RefundRecord,
    SessionRecord,
    new_id,
)
from seatguard.payments.sandbox.rows import (
    decline_json,
    intent_record,
    refund_record,
    session_record,
)
from seatguard.payments.sandbox.tables import (
    SandboxCheckoutSession,
    SandboxDelivery,
    SandboxEvent,
    SandboxIdempotencyKey,
    SandboxPaymentIntent,
    SandboxRefund,
)

NO_REQUEST: dict[str, str | None] = {"id": None, "idempotency_key": None}
_EMITTED = "sandbox_events_emitted"


class CardDeclined(Exception):
    def __init__(self, decline: cards.Decline) -> None:
        super().__init__(decline.message)
        self.decline = decline


class SandboxStore:
    def __init__(self, *, db: Database, pay_base_url: str) -> None:
        self.db = db
        self.pay_base_url = pay_base_url.rstrip("/")
        self.listeners: list[Callable[[], None]] = []  # woken when new events are committed

    @contextmanager
    def transaction(self, tx: Session | None = None) -> Iterator[Session]:
        """``tx`` when given; otherwise a new unit of work, waking listeners once committed."""
        if tx is not None:
            yield tx
            return
        with self.db.unit_of_work() as session:
            yield session
        if session.info.pop(_EMITTED, False):
            for wake in self.listeners:
                wake()

    # -- checkout sessions -------------------------------------------------------------------
    def create_session(
        self, p: dict[str, Any], *, now: int, tx: Session | None = None
    ) -> SessionRecord:
        params.check_session_shape(p)
        items = params.line_items(p)
        row = SandboxCheckoutSession(
            id=new_id("cs_test_", 58),
            created=now,
            expires_at=params.expires_at(p, now=now),
            currency=items[0].currency,
            items=[
                {
                    "id": new_id("li_"),
                    "name": i.name,
                    "unit_amount": i.unit_amount,
                    "quantity": i.quantity,
                }
                for i in items
            ],
            success_url=str(params.text(p, "success_url", required=True)),
            cancel_url=params.text(p, "cancel_url"),
            client_reference_id=params.text(p, "client_reference_id", max_len=200),
            customer_email=params.email(p, "customer_email"),
            meta=params.metadata(p),
            status="open",
            payment_status="unpaid",
        )
        with self.transaction(tx) as session:
            session.add(row)
            return session_record(row)

    def session(self, session_id: str, *, now: int) -> SessionRecord:
        with self.db.reader() as session:
            row = session.get(SandboxCheckoutSession, session_id)
            if row is None:
                raise no_such("checkout.session", session_id, param="session")
            if not (row.status == "open" and row.expires_at <= now):
                return session_record(row)
        with self.transaction() as session:  # its time is up: expire it now, as Stripe would
            return session_record(self._locked(session, session_id, now=now))

    def expire_session(
        self,
        session_id: str,
        *,
        now: int,
        request: dict[str, str | None],
        tx: Session | None = None,
    ) -> SessionRecord:
        with self.transaction(tx) as session:
            row = self._locked(session, session_id, now=now)
            if row.status != "open":
                raise invalid_request(
                    f"This Checkout Session is {row.status}; only Checkout Sessions with a "
                    "status of `open` can be expired.",
                    param="session",
                )
            self._expire(session, row, now=now, request=request)
            return session_record(row)

    def expire_due(self, *, now: int, limit: int = 100) -> int:
        """Expire open sessions whose time is up; each by exactly one process."""
        due = (SandboxCheckoutSession.status == "open", SandboxCheckoutSession.expires_at <= now)
        with self.db.reader() as session:
            if session.scalar(select(SandboxCheckoutSession.id).where(*due).limit(1)) is None:
                return 0
        with self.transaction() as session:
            rows = session.scalars(
                select(SandboxCheckoutSession)
                .where(*due)
                .order_by(SandboxCheckoutSession.expires_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                self._expire(session, row, now=now, request=NO_REQUEST)
            return len(rows)

    def _locked(self, session: Session, session_id: str, *, now: int) -> SandboxCheckoutSession:
        row = session.get(SandboxCheckoutSession, session_id, with_for_update=True)
        if row is None:
            raise no_such("checkout.session", session_id, param="session")
        if row.status == "open" and row.expires_at <= now:
            self._expire(session, row, now=now, request=NO_REQUEST)
        return row

    def _expire(
        self,
        session: Session,
        row: SandboxCheckoutSession,
        *,
        now: int,
        request: dict[str, str | None],
    ) -> None:
        row.status = "expired"
        self._emit(session, "checkout.session.expired", row, now=now, request=request)

    # -- paying on the hosted page ------------------------------------------------------------
    def pay(
        self, session_id: str, *, number: str, name: str | None, email: str | None, now: int
    ) -> SessionRecord:
        """Charge the session with a test card; raise ``CardDeclined`` as Stripe would decline."""
        declined: cards.Decline | None = None
        with self.transaction() as session:
            row = self._locked(session, session_id, now=now)
            if row.status != "open":
                raise invalid_request(f"This Checkout Session is {row.status}.")
            intent = self._intent_for(session, row, now=now)
            outcome = cards.charge(number)
            if isinstance(outcome, cards.Decline):
                intent.last_error = decline_json(outcome)
                declined = outcome
            else:
                intent.status = "succeeded"
                intent.last_error = None
                intent.charge = new_id("ch_")
                intent.payment_method = new_id("pm_")
                intent.receipt_email = email or row.customer_email
                row.status = "complete"
                row.payment_status = "paid"
                row.customer_name = name
                row.paid_email = email or row.customer_email
                self._emit(session, "checkout.session.completed", row, now=now, request=NO_REQUEST)
            record = session_record(row)
        if declined is not None:  # the attempt is kept on the intent, as Stripe keeps it
            raise CardDeclined(declined)
        return record

    def _intent_for(
        self, session: Session, row: SandboxCheckoutSession, *, now: int
    ) -> SandboxPaymentIntent:
        if row.payment_intent is not None:
            found = session.get(SandboxPaymentIntent, row.payment_intent, with_for_update=True)
            assert found is not None
            return found
        record = session_record(row)
        intent = SandboxPaymentIntent(
            id=new_id("pi_"),
            created=now,
            amount=record.amount_total,
            currency=row.currency,
            status="requires_payment_method",
            amount_refunded=0,
            client_secret=new_id("secret_"),
        )
        session.add(intent)
        row.payment_intent = intent.id
        return intent

    def payment_intent(self, intent_id: str) -> PaymentIntentRecord:
        with self.db.reader() as session:
            intent = session.get(SandboxPaymentIntent, intent_id)
            if intent is None:
                raise no_such("payment_intent", intent_id, param="intent")
            return intent_record(intent)

    # -- refunds ------------------------------------------------------------------------------
    def create_refund(
        self, p: dict[str, Any], *, now: int, tx: Session | None = None
    ) -> RefundRecord:
        params.reject_unknown(p, params.REFUND_PARAMS)
        with self.transaction(tx) as session:
            intent = self._refundable_intent(session, p)
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
            refund = SandboxRefund(
                id=new_id("re_"),
                created=now,
                amount=amount,
                currency=intent.currency,
                payment_intent=intent.id,
                charge=intent.charge,
                reason=reason,
                meta=params.metadata(p),
                status="succeeded",
            )
            intent.amount_refunded += amount
            session.add(refund)
            return refund_record(refund)

    def refund(self, refund_id: str) -> RefundRecord:
        with self.db.reader() as session:
            refund = session.get(SandboxRefund, refund_id)
            if refund is None:
                raise SandboxError(
                    f"No such refund: '{refund_id}'", status_code=404, code="resource_missing"
                )
            return refund_record(refund)

    def _refundable_intent(self, session: Session, p: dict[str, Any]) -> SandboxPaymentIntent:
        intent_id = params.text(p, "payment_intent")
        charge_id = params.text(p, "charge")
        if intent_id is None and charge_id is None:
            raise missing("payment_intent")
        if intent_id is not None:
            intent = session.get(SandboxPaymentIntent, intent_id, with_for_update=True)
            if intent is None:
                raise no_such("payment_intent", intent_id, param="payment_intent")
        else:
            intent = session.scalars(
                select(SandboxPaymentIntent)
                .where(SandboxPaymentIntent.charge == charge_id)
                .with_for_update()
            ).first()
            if intent is None:
                raise no_such("charge", str(charge_id), param="charge")
        if intent.status != "succeeded":
            raise invalid_request(
                f"This PaymentIntent ({intent.id}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        return intent

    # -- idempotent requests ------------------------------------------------------------------
    def saved_answer(self, session: Session, key: str) -> SandboxIdempotencyKey | None:
        return session.get(SandboxIdempotencyKey, key)

    def save_answer(
        self, session: Session, *, key: str, fingerprint: str, body: dict[str, Any], now: int
    ) -> None:
        session.add(
            SandboxIdempotencyKey(
                key=key, fingerprint=fingerprint, status_code=200, body=body, created=now
            )
        )

    # -- events -------------------------------------------------------------------------------
    def _emit(
        self,
        session: Session,
        kind: str,
        row: SandboxCheckoutSession,
        *,
        now: int,
        request: dict[str, str | None],
    ) -> None:
        event_id = new_id("evt_")
        session.add(
            SandboxEvent(
                id=event_id,
                type=kind,
                created=now,
                object=session_json(session_record(row), pay_base_url=self.pay_base_url),
                request=dict(request),
                delivered=False,
                attempts=0,
                responses=[],
            )
        )
        session.add(SandboxDelivery(event_id=event_id, due_at=time.time(), claimed_until=None))
        session.info[_EMITTED] = True
