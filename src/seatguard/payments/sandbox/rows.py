"""Rows of the sandbox's tables as the plain records the API renders."""

from __future__ import annotations

from seatguard.payments.sandbox.cards import Decline
from seatguard.payments.sandbox.records import (
    EventRecord,
    ItemRecord,
    PaymentIntentRecord,
    RefundRecord,
    SessionRecord,
)
from seatguard.payments.sandbox.tables import (
    SandboxCheckoutSession,
    SandboxEvent,
    SandboxPaymentIntent,
    SandboxRefund,
)


def session_record(row: SandboxCheckoutSession) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        created=row.created,
        expires_at=row.expires_at,
        currency=row.currency,
        items=[ItemRecord(**item) for item in row.items],
        success_url=row.success_url,
        cancel_url=row.cancel_url,
        client_reference_id=row.client_reference_id,
        customer_email=row.customer_email,
        metadata=dict(row.meta),
        status=row.status,
        payment_status=row.payment_status,
        payment_intent=row.payment_intent,
        customer_name=row.customer_name,
        paid_email=row.paid_email,
    )


def intent_record(row: SandboxPaymentIntent) -> PaymentIntentRecord:
    return PaymentIntentRecord(
        id=row.id,
        created=row.created,
        amount=row.amount,
        currency=row.currency,
        status=row.status,
        charge=row.charge,
        payment_method=row.payment_method,
        last_error=Decline(**row.last_error) if row.last_error else None,
        amount_refunded=row.amount_refunded,
        receipt_email=row.receipt_email,
        client_secret=row.client_secret,
    )


def refund_record(row: SandboxRefund) -> RefundRecord:
    return RefundRecord(
        id=row.id,
        created=row.created,
        amount=row.amount,
        currency=row.currency,
        payment_intent=row.payment_intent,
        charge=row.charge,
        reason=row.reason,
        metadata=dict(row.meta),
        status=row.status,
    )


def event_record(row: SandboxEvent) -> EventRecord:
    return EventRecord(
        id=row.id,
        type=row.type,
        created=row.created,
        object=dict(row.object),
        request=dict(row.request),
        delivered=row.delivered,
        attempts=row.attempts,
        responses=list(row.responses),
    )


def decline_json(decline: Decline) -> dict[str, str | None]:
    return {
        "code": decline.code,
        "message": decline.message,
        "decline_code": decline.decline_code,
    }
