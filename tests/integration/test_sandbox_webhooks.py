"""Sandbox webhooks: signed like Stripe, retried on failure, redelivered, sent on expiry."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.errors import AppError
from seatguard.payments.gateway import CheckoutSession, LineItem
from seatguard.payments.stripe_gateway import StripeGateway
from seatguard.payments.webhooks import verify_event
from tests.support.sandbox import (
    SANDBOX_KEY,
    WEBHOOK_SECRET,
    receiving_webhooks,
    running_sandbox,
)

AUTH = {"Authorization": f"Bearer {SANDBOX_KEY}"}
CARD = {"exp_month": "12", "exp_year": "2099", "cvc": "123", "cardholder": "Ada"}


def open_session(gateway: StripeGateway, now: datetime) -> CheckoutSession:
    return gateway.create_checkout_session(
        order_id="o-1",
        user_id="u-1",
        currency="usd",
        line_items=[LineItem(name="PLATEA B3", unit_amount=9900)],
        success_url="https://shop.test/ok",
        cancel_url="https://shop.test/cancel",
        expires_at=now + timedelta(minutes=30, seconds=5),  # margin for a loaded machine
        customer_email=None,
        idempotency_key=str(uuid.uuid4()),
    )


def test_a_refused_webhook_is_retried_with_backoff_until_accepted(db: Database) -> None:
    with (
        receiving_webhooks(statuses=[500, 503]) as receiver,
        running_sandbox(db, receiver.url) as running,
    ):
        gateway = StripeGateway(SANDBOX_KEY, running.base_url, max_network_retries=0)
        session = open_session(gateway, datetime.now(UTC))
        httpx.post(session.url or "", data={"card_number": "4242424242424242", **CARD})
        deliveries = receiver.wait_for(3)
        assert receiver.answered == [500, 503, 200]
        ids = {d.event["id"] for d in deliveries}
        assert len(ids) == 1
        for delivery in deliveries:  # each attempt carries its own valid signature
            verify_event(delivery.body, delivery.headers["Stripe-Signature"], WEBHOOK_SECRET)
        listed = httpx.get(f"{running.base_url}/v1/events", headers=AUTH).json()
        assert listed["object"] == "list"
        assert [e["pending_webhooks"] for e in listed["data"]] == [0]


def test_retries_stop_after_the_bounded_number_of_attempts(db: Database) -> None:
    with (
        receiving_webhooks(statuses=[500] * 10) as receiver,
        running_sandbox(db, receiver.url, max_attempts=3) as running,
    ):
        gateway = StripeGateway(SANDBOX_KEY, running.base_url, max_network_retries=0)
        gateway.expire_checkout_session(open_session(gateway, datetime.now(UTC)).id)
        receiver.wait_for(3, timeout=30)  # generous: backoff runs slow on a loaded machine
        event_id = receiver.received[0].event["id"]
        deadline = time.monotonic() + 10  # the third failure is recorded just after it lands
        while len(running.sandbox.events.event(event_id).responses) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(AssertionError):
            receiver.wait_for(4, timeout=3)
        event = running.sandbox.events.event(event_id)
        assert event.attempts == 3
        assert event.responses == ["500"] * 3
        assert not event.delivered


def test_an_event_can_be_redelivered_as_a_duplicate(db: Database) -> None:
    with receiving_webhooks() as receiver, running_sandbox(db, receiver.url) as running:
        gateway = StripeGateway(SANDBOX_KEY, running.base_url, max_network_retries=0)
        gateway.expire_checkout_session(open_session(gateway, datetime.now(UTC)).id)
        first = receiver.wait_for(1)[0].event
        running.sandbox.redeliver(first["id"])
        answer = httpx.post(
            f"{running.base_url}/sandbox/events/{first['id']}/redeliver", headers=AUTH
        )
        assert answer.status_code == 202
        copies = [d.event for d in receiver.wait_for(3)]
        assert {e["id"] for e in copies} == {first["id"]}
        assert copies[1]["data"] == first["data"]


def test_sessions_expire_when_expires_at_passes_and_say_so(db: Database) -> None:
    clock = FrozenClock(datetime(2027, 6, 1, 12, 0, tzinfo=UTC))
    with (
        receiving_webhooks() as receiver,
        running_sandbox(db, receiver.url, clock=clock) as running,
    ):
        gateway = StripeGateway(SANDBOX_KEY, running.base_url, max_network_retries=0)
        session = open_session(gateway, clock())
        clock.advance(minutes=29)
        assert gateway.retrieve_checkout_session(session.id).status == "open"
        clock.advance(minutes=2)
        delivery = receiver.wait_for(1)[0]  # the background loop notices on its own
        event = verify_event(
            delivery.body,
            delivery.headers["Stripe-Signature"],
            WEBHOOK_SECRET,
            now=int(clock().timestamp()),
        )
        assert (event["type"], event["created"]) == (
            "checkout.session.expired",
            int(clock().timestamp()),
        )
        assert gateway.retrieve_checkout_session(session.id).status == "expired"
        paying = httpx.post(session.url or "", data={"card_number": "4242424242424242", **CARD})
        assert paying.status_code == 410
        later = int(clock.advance(minutes=6).timestamp())
        with pytest.raises(AppError) as stale:  # the same signature, read six minutes later
            verify_event(
                delivery.body, delivery.headers["Stripe-Signature"], WEBHOOK_SECRET, now=later
            )
        assert stale.value.code == "invalid_signature"


def test_deliver_pending_resends_events_that_ran_out_of_attempts(db: Database) -> None:
    with (
        receiving_webhooks(statuses=[500]) as receiver,
        running_sandbox(db, receiver.url, max_attempts=1) as running,
    ):
        gateway = StripeGateway(SANDBOX_KEY, running.base_url, max_network_retries=0)
        gateway.expire_checkout_session(open_session(gateway, datetime.now(UTC)).id)
        receiver.wait_for(1)
        answer = httpx.post(f"{running.base_url}/sandbox/deliver-pending", headers=AUTH)
        assert answer.json() == {"delivering": 1}
        receiver.wait_for(2)
        assert receiver.answered == [500, 200]
        listed = httpx.get(
            f"{running.base_url}/v1/events?type=checkout.session.expired", headers=AUTH
        ).json()
        assert [e["pending_webhooks"] for e in listed["data"]] == [0]
