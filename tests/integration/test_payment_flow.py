"""Hold → checkout → pay on the sandbox → signed webhook → queue → worker, on both databases.

The stripe adapter is pointed at the sandbox served by the app itself, so the production
code path is the tested one.
"""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import delete

from seatguard.booking.models import Order
from seatguard.payments.models import PaymentEvent
from seatguard.payments.webhooks import sign_payload
from seatguard.queue.models import Job
from seatguard.tickets.issue import issue_tickets
from seatguard.worker.handlers import sweep_pending_orders
from tests.support.factories import make_event
from tests.support.payflow import live_stack

DECLINES = {
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
    "4000000000009979": "stolen_card",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
    "4000000000000119": "processing_error",
    "4242424242424241": "incorrect_number",
    "4000000000006975": "card_velocity_exceeded",
}


@pytest.fixture
def stack(settings, db, clock, tmp_path):
    with live_stack(settings, db, clock, tmp_path / "outbox") as live:
        yield live


def checkout(stack, headers, seat_ids, **extra):
    with stack.client(headers) as client:
        return client.post(
            "/api/v1/stripe/create/checkout/session",
            json={
                "currency": "USD",
                "items": [{"seatIds": [{"id": str(s)} for s in seat_ids]}],
                **extra,
            },
        )


def test_paying_with_4242_completes_the_order(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock(), price_minor=2500)
    alice = auth_header("alice", email="alice@example.com")
    with stack.client(alice) as client:
        held = client.post("/api/v1/seats/lock", json={"seatIds": [str(seats[0])]})
        assert held.status_code == 200
    started = checkout(
        stack,
        alice,
        seats[:2],
        items=[{"name": "cheap", "amount": 1, "seatIds": [{"id": str(s)} for s in seats[:2]]}],
    )
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["amount"] == 5000  # database prices, not the client's
    assert body["dataCheckout"]["orderBookingId"] == body["orderId"]
    assert stack.seats(seats[:2]) == dict.fromkeys(seats[:2], ("LOCKED", "alice"))

    paid = stack.pay(body["url"])
    assert paid.status_code == 303
    assert body["orderId"] in paid.headers["location"]
    stack.wait_for_webhooks(1)
    assert stack.order(body["orderId"]).status == "PENDING"  # nothing happens before the worker

    assert stack.drain() == 2  # fulfilment, then the confirmation email
    order = stack.order(body["orderId"])
    assert order.status == "COMPLETED"
    assert order.payment_intent_id
    assert stack.seats(seats[:2]) == dict.fromkeys(seats[:2], ("SOLD", "alice"))
    assert stack.tickets(body["orderId"]) == 2
    emails = list(stack.outbox.glob("*.eml"))
    assert len(emails) == 1
    assert "alice@example.com" in emails[0].read_text(errors="replace")

    with stack.client(alice) as client:
        view = client.get(f"/api/v1/booking-orders/{body['orderId']}").json()
        assert view["status"] == "COMPLETED"
        assert view["amount"] == 5000
        assert {i["status"] for i in view["items"]} == {"SOLD"}
        assert (
            client.get(
                f"/api/v1/booking-orders/{body['orderId']}", headers=auth_header("mallory")
            ).status_code
            == 404
        )


@pytest.mark.parametrize(("card", "code"), list(DECLINES.items())[:3])
def test_declined_cards_leave_the_order_unpaid_and_seats_held(
    stack, auth_header, db, clock, card, code
):
    _, seats = make_event(db, now=clock())
    started = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:1]).json()
    page = stack.pay(started["url"], card)
    assert page.status_code == 402
    assert code in page.text
    time.sleep(0.3)
    assert stack.count(PaymentEvent) == 0
    assert stack.drain() == 0
    assert stack.order(started["orderId"]).status == "PENDING"
    assert stack.seats(seats[:1]) == {seats[0]: ("LOCKED", "alice")}


def test_every_stripe_test_card_is_refused_with_its_code(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    started = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:1]).json()
    for card, code in DECLINES.items():
        page = stack.pay(started["url"], card)
        assert page.status_code == 402, card
        assert code in page.text, card
    assert stack.order(started["orderId"]).status == "PENDING"


def test_duplicate_webhooks_and_redelivery_change_nothing(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    started = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:2]).json()
    stack.pay(started["url"])
    stack.wait_for_webhooks(1)
    stack.drain()
    (event,), _ = stack.sandbox.events.latest(type=None, limit=1)
    stack.sandbox.redeliver(event.id)
    deadline = time.monotonic() + 10
    while len(stack.sandbox.events.event(event.id).responses) < 2:  # the duplicate landed
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert stack.sandbox.events.event(event.id).responses == ["200", "200"]
    assert stack.count(PaymentEvent) == 1
    # Even a message that slips past the inbox is handled idempotently by the worker.
    stack.queue.send({"type": "payment.checkout_completed", "session_id": started["sessionId"]})
    stack.drain()
    assert stack.tickets(started["orderId"]) == 2
    assert len(list(stack.outbox.glob("*.eml"))) == 1


def test_forged_and_stale_webhooks_are_refused(stack, settings):
    payload = json.dumps(
        {"id": "evt_x", "type": "checkout.session.completed", "data": {"object": {"id": "cs_x"}}}
    ).encode()
    with stack.client() as client:
        unsigned = client.post("/api/v1/stripe/webhook", content=payload)
        assert unsigned.status_code == 400
        assert unsigned.json()["error"] == "invalid_signature"
        forged = client.post(
            "/api/v1/stripe/webhook",
            content=payload,
            headers={"Stripe-Signature": sign_payload(payload, "whsec_wrong", int(time.time()))},
        )
        assert forged.status_code == 400
        stale = client.post(
            "/api/v1/sqs/messaging",
            content=payload,
            headers={
                "Stripe-Signature": sign_payload(
                    payload, settings.stripe_webhook_secret, int(time.time()) - 3600
                )
            },
        )
        assert stale.status_code == 400
    assert stack.count(PaymentEvent) == 0


def test_late_payment_after_resale_is_refunded_never_double_sold(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    started = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:2]).json()
    clock.advance(minutes=16)  # alice's hold ran out; her session is still open (30 minutes)
    with stack.client(auth_header("bob")) as client:
        assert (
            client.post("/api/v1/seats/lock", json={"seatIds": [str(seats[1])]}).status_code == 200
        )
    stack.pay(started["url"])
    stack.wait_for_webhooks(1)
    stack.drain()
    order = stack.order(started["orderId"])
    assert order.status == "REFUNDED"
    assert order.status_reason == "seats_taken"
    assert order.refund_id
    assert stack.tickets(started["orderId"]) == 0
    assert stack.seats(seats[:2]) == {seats[0]: ("AVAILABLE", None), seats[1]: ("LOCKED", "bob")}
    assert len(list(stack.outbox.glob("*.eml"))) == 1  # the refund email


def test_late_payment_takes_seats_that_are_still_free(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    started = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:1]).json()
    clock.advance(minutes=16)
    stack.pay(started["url"])
    stack.wait_for_webhooks(1)
    stack.drain()
    assert stack.order(started["orderId"]).status == "COMPLETED"
    assert stack.seats(seats[:1]) == {seats[0]: ("SOLD", "alice")}


def test_worker_crash_mid_fulfilment_retries_and_completes_exactly_once(
    stack, auth_header, db, clock, monkeypatch
):
    _, seats = make_event(db, now=clock())
    started = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:3]).json()
    stack.pay(started["url"])
    stack.wait_for_webhooks(1)
    real = issue_tickets
    calls = {"n": 0}

    def crash_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker died while issuing tickets")
        return real(*args, **kwargs)

    monkeypatch.setattr("seatguard.booking.fulfilment.issue_tickets", crash_once)
    stack.drain()
    assert stack.order(started["orderId"]).status == "PENDING"  # rolled back as a whole
    assert {s for s, _ in stack.seats(seats[:3]).values()} == {"LOCKED"}
    assert stack.tickets(started["orderId"]) == 0
    clock.advance(minutes=5)  # past the retry backoff
    stack.drain()
    assert stack.order(started["orderId"]).status == "COMPLETED"
    assert stack.tickets(started["orderId"]) == 3
    assert len(list(stack.outbox.glob("*.eml"))) == 1


def test_second_checkout_for_the_same_seats_reuses_the_open_session(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    first = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:2]).json()
    second = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:2]).json()
    assert second["sessionId"] == first["sessionId"]
    assert second["reused"] is True
    assert stack.count(Order) == 1


def test_checkout_refuses_seats_of_others_and_a_foreign_user_id(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    checkout(stack, auth_header("alice", email="alice@example.com"), seats[:1])
    taken = checkout(stack, auth_header("bob"), seats[:2])
    assert taken.status_code == 409
    assert taken.json()["details"]["seatIds"] == [str(seats[0])]
    assert stack.seats([seats[1]]) == {seats[1]: ("AVAILABLE", None)}
    foreign = checkout(stack, auth_header("bob"), seats[1:2], userId="alice")
    assert foreign.status_code == 403
    nothing = checkout(stack, auth_header("bob"), [])
    assert nothing.status_code == 422


def test_sweeper_expires_the_session_before_freeing_the_seats(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    started = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:2]).json()
    clock.advance(minutes=16)
    assert sweep_pending_orders(stack.services) == 1
    assert stack.order(started["orderId"]).status == "EXPIRED"
    assert {s for s, _ in stack.seats(seats[:2]).values()} == {"AVAILABLE"}
    assert stack.pay(started["url"]).status_code == 410  # the payer can no longer pay
    stack.wait_for_webhooks(1)  # checkout.session.expired
    stack.drain()
    assert stack.order(started["orderId"]).status == "EXPIRED"


def test_sweeper_recovers_a_paid_session_whose_webhook_was_lost(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    started = checkout(stack, auth_header("alice", email="alice@example.com"), seats[:1]).json()
    stack.pay(started["url"])
    stack.wait_for_webhooks(1)
    with db.unit_of_work() as session:  # lose the webhook and its message
        session.execute(delete(Job))
        session.execute(delete(PaymentEvent))
    clock.advance(minutes=16)
    sweep_pending_orders(stack.services)
    assert stack.seats(seats[:1]) == {seats[0]: ("LOCKED", "alice")}  # never freed under a payment
    stack.drain()
    assert stack.order(started["orderId"]).status == "COMPLETED"
