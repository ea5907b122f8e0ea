"""Render records as the JSON objects Stripe's API returns (API version ``API_VERSION``)."""

from __future__ import annotations

from typing import Any

from seatguard.payments.sandbox.records import (
    EventRecord,
    PaymentIntentRecord,
    RefundRecord,
    SessionRecord,
)

API_VERSION = "2023-08-16"


def session_json(s: SessionRecord, *, pay_base_url: str) -> dict[str, Any]:
    paid = s.payment_status == "paid"
    email = s.paid_email or s.customer_email
    return {
        "id": s.id,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": s.amount_total,
        "amount_total": s.amount_total,
        "automatic_tax": {"enabled": False, "status": None},
        "billing_address_collection": None,
        "cancel_url": s.cancel_url,
        "client_reference_id": s.client_reference_id,
        "consent": None,
        "consent_collection": None,
        "created": s.created,
        "currency": s.currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {"shipping_address": None, "submit": None},
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": (
            {
                "address": None,
                "email": email,
                "name": s.customer_name,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }
            if paid
            else None
        ),
        "customer_email": s.customer_email,
        "expires_at": s.expires_at,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": None,
        "metadata": dict(s.metadata),
        "mode": "payment",
        "payment_intent": s.payment_intent,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": s.payment_status,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_details": None,
        "shipping_options": [],
        "status": s.status,
        "submit_type": None,
        "subscription": None,
        "success_url": s.success_url,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "url": f"{pay_base_url}/pay/{s.id}" if s.status == "open" else None,
    }


def payment_intent_json(p: PaymentIntentRecord) -> dict[str, Any]:
    error = None
    if p.last_error is not None:
        error = {
            "type": "card_error",
            "code": p.last_error.code,
            "message": p.last_error.message,
            "doc_url": f"https://stripe.com/docs/error-codes/{p.last_error.code.replace('_', '-')}",
        }
        if p.last_error.decline_code:
            error["decline_code"] = p.last_error.decline_code
    return {
        "id": p.id,
        "object": "payment_intent",
        "amount": p.amount,
        "amount_capturable": 0,
        "amount_received": p.amount if p.status == "succeeded" else 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{p.id}_{p.client_secret}",
        "confirmation_method": "automatic",
        "created": p.created,
        "currency": p.currency,
        "customer": None,
        "description": None,
        "invoice": None,
        "last_payment_error": error,
        "latest_charge": p.charge,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": p.payment_method,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": p.receipt_email,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": p.status,
        "transfer_data": None,
        "transfer_group": None,
    }


def refund_json(r: RefundRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "object": "refund",
        "amount": r.amount,
        "balance_transaction": None,
        "charge": r.charge,
        "created": r.created,
        "currency": r.currency,
        "metadata": dict(r.metadata),
        "payment_intent": r.payment_intent,
        "reason": r.reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": r.status,
        "transfer_reversal": None,
    }


def event_json(e: EventRecord) -> dict[str, Any]:
    return {
        "id": e.id,
        "object": "event",
        "api_version": API_VERSION,
        "created": e.created,
        "data": {"object": e.object},
        "livemode": False,
        "pending_webhooks": 0 if e.delivered else 1,
        "request": dict(e.request),
        "type": e.type,
    }


def list_json(data: list[dict[str, Any]], *, url: str, has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}
