"""Webhook signatures: ours match Stripe's, and unsigned, forged or stale payloads are refused."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from seatguard.common.errors import AppError
from seatguard.payments.webhooks import sign_payload, verify_event

SECRET = "whsec_unit_secret"
EVENT = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_test_1", "object": "checkout.session"}},
    }
)
PAYLOAD = EVENT.encode()


def test_sign_payload_is_exactly_stripes_header() -> None:
    header = sign_payload(PAYLOAD, SECRET, 1_700_000_000)
    assert header == stripe.WebhookSignature.generate_signature_header(
        EVENT, SECRET, timestamp=1_700_000_000
    )
    assert header.startswith("t=1700000000,v1=")


def test_a_fresh_signed_event_is_accepted_by_us_and_by_stripe() -> None:
    header = sign_payload(PAYLOAD, SECRET, int(time.time()))
    assert verify_event(PAYLOAD, header, SECRET)["id"] == "evt_1"
    assert stripe.Webhook.construct_event(PAYLOAD, header, SECRET).id == "evt_1"


@pytest.mark.parametrize(
    ("payload", "header"),
    [
        (PAYLOAD, None),
        (PAYLOAD, ""),
        (PAYLOAD, "garbage"),
        (PAYLOAD, "t=notanumber,v1=abc"),
        (PAYLOAD, sign_payload(PAYLOAD, "whsec_someone_else", int(time.time()))),
        (PAYLOAD.replace(b"evt_1", b"evt_2"), sign_payload(PAYLOAD, SECRET, int(time.time()))),
        (PAYLOAD, sign_payload(PAYLOAD, SECRET, int(time.time())).replace("v1=", "v0=")),
        (PAYLOAD, sign_payload(PAYLOAD, SECRET, int(time.time()) - 301)),
    ],
    ids=["missing", "empty", "garbage", "bad-time", "wrong-secret", "tampered", "scheme", "stale"],
)
def test_unsigned_forged_or_stale_payloads_are_refused(payload: bytes, header: str | None) -> None:
    with pytest.raises(AppError) as refused:
        verify_event(payload, header, SECRET)
    assert (refused.value.status_code, refused.value.code) == (400, "invalid_signature")


def test_tolerance_and_now_are_honoured() -> None:
    header = sign_payload(PAYLOAD, SECRET, 1_000)
    assert verify_event(PAYLOAD, header, SECRET, now=1_290)["type"] == "checkout.session.completed"
    assert verify_event(PAYLOAD, header, SECRET, now=5_000, tolerance=4_000)["id"] == "evt_1"
    with pytest.raises(AppError):
        verify_event(PAYLOAD, header, SECRET, now=1_301)


def test_a_signed_body_that_is_not_an_event_is_refused() -> None:
    body = b'{"hello": "world"}'
    with pytest.raises(AppError) as refused:
        verify_event(body, sign_payload(body, SECRET, 10), SECRET, now=10)
    assert refused.value.code == "invalid_payload"
