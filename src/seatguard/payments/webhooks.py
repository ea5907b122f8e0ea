"""Stripe webhook signatures: verify what arrives, sign what the sandbox sends."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from seatguard.common.errors import AppError

DEFAULT_TOLERANCE = 300


class InvalidSignature(AppError):
    status_code = 400
    code = "invalid_signature"


class InvalidPayload(AppError):
    status_code = 400
    code = "invalid_payload"


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value Stripe sends: ``t=<ts>,v1=<hmac-sha256 hex>``."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_event(
    payload: bytes,
    signature_header: str | None,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: int | None = None,
) -> dict[str, Any]:
    """Check the signature and its age, then return the event as a dict.

    Unsigned, forged, malformed or older-than-``tolerance`` signatures raise ``InvalidSignature``
    (400, ``invalid_signature``); a well-signed body that is not an event raises
    ``InvalidPayload`` (400, ``invalid_payload``). ``now`` (unix seconds) defaults to the wall
    clock.
    """
    import stripe  # here, not at start-up: the SDK is some 10 MB a process seldom needs

    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance=None)
        timestamp = _timestamp(str(signature_header))
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise InvalidSignature("The webhook signature is missing or does not match.") from exc
    current = int(time.time()) if now is None else now
    if timestamp < current - tolerance:
        raise InvalidSignature("The webhook signature is too old.")
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidPayload("The webhook payload is not valid JSON.") from exc
    if not _is_event(event):
        raise InvalidPayload("The webhook payload is not a Stripe event.")
    checked: dict[str, Any] = event
    return checked


def _is_event(event: object) -> bool:
    """Stripe's event shape, as far as anything downstream reads it: a string ``id`` and
    ``type``, and ``data.object`` an object whose ``id``, when present, is a string."""
    if not isinstance(event, dict) or event.get("object") != "event":
        return False
    if not all(isinstance(event.get(key), str) and event[key] for key in ("id", "type")):
        return False
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return isinstance(obj, dict) and isinstance(obj.get("id", ""), str)


def _timestamp(header: str) -> int:
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            return int(value)
    raise ValueError("no timestamp")
