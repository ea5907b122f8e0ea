"""POST /booking-orders/{id}/cancel: gateway first, then the seats, at once; on both databases.

The booking app serves the sandbox gateway itself, so the Stripe adapter's real code path
expires the session.
"""

from __future__ import annotations

import httpx
import pytest

from seatguard.common.security import Role
from seatguard.worker.handlers import sweep_pending_orders
from tests.support.factories import make_event
from tests.support.payflow import live_stack


@pytest.fixture
def stack(settings, db, clock, tmp_path):
    with live_stack(settings, db, clock, tmp_path / "outbox") as live:
        yield live


def start(stack, headers, seat_ids) -> dict:
    with stack.client(headers) as client:
        answer = client.post(
            "/api/v1/stripe/create/checkout/session",
            json={"items": [{"seatIds": [{"id": str(s)} for s in seat_ids]}]},
        )
    assert answer.status_code == 201, answer.text
    return answer.json()


def cancel(stack, headers, order_id) -> httpx.Response:
    with stack.client(headers) as client:
        return client.post(f"/api/v1/booking-orders/{order_id}/cancel")


def seat_map(stack, event_id) -> dict[str, str]:
    with stack.client() as client:
        seats = client.get(f"/api/v1/events/{event_id}/seats").json()
    return {s["id"]: s["status"] for s in seats}


def test_the_owner_cancels_and_the_seats_are_free_at_once(stack, auth_header, db, clock):
    event_id, seats = make_event(db, now=clock())
    alice = auth_header("alice", email="alice@example.com")
    order = start(stack, alice, seats[:2])
    assert {seat_map(stack, event_id)[str(s)] for s in seats[:2]} == {"LOCKED"}

    answer = cancel(stack, alice, order["orderId"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "CANCELLED"
    assert answer.json()["statusReason"] == "cancelled_by_buyer"
    assert {seat_map(stack, event_id)[str(s)] for s in seats[:2]} == {"AVAILABLE"}
    assert stack.seats(seats[:2]) == dict.fromkeys(seats[:2], ("AVAILABLE", None))
    # The gateway's session was expired first: the pay page no longer takes the card.
    assert stack.pay(order["url"]).status_code == 410
    # Another buyer may take the seats straight away.
    with stack.client(auth_header("bob")) as client:
        held = client.post("/api/v1/seats/lock", json={"seatIds": [str(s) for s in seats[:2]]})
    assert held.status_code == 200, held.text


def test_cancelling_again_answers_the_same(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    alice = auth_header("alice")
    order = start(stack, alice, seats[:1])
    first = cancel(stack, alice, order["orderId"])
    second = cancel(stack, alice, order["orderId"])
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


def test_another_customer_cannot_cancel_and_changes_nothing(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    order = start(stack, auth_header("alice"), seats[:1])
    answer = cancel(stack, auth_header("mallory"), order["orderId"])
    assert answer.status_code in (403, 404)
    assert answer.json()["error"] == "order_not_found"
    assert stack.order(order["orderId"]).status == "PENDING"
    assert stack.seats(seats[:1]) == {seats[0]: ("LOCKED", "alice")}
    assert stack.pay(order["url"]).status_code == 303  # the session is still open


def test_an_admin_may_cancel_anyone_s_order(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    order = start(stack, auth_header("alice"), seats[:1])
    answer = cancel(stack, auth_header("root", role=Role.ADMIN), order["orderId"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["statusReason"] == "cancelled_by_admin"
    assert stack.seats(seats[:1]) == {seats[0]: ("AVAILABLE", None)}


def test_a_paid_order_answers_409_and_is_fulfilled_not_freed(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    alice = auth_header("alice", email="alice@example.com")
    order = start(stack, alice, seats[:2])
    assert stack.pay(order["url"]).status_code == 303
    # Paid, but the webhook has not been handled yet: the gateway says "complete".
    paying = cancel(stack, alice, order["orderId"])
    assert paying.status_code == 409
    assert paying.json()["error"] == "order_paid"
    assert stack.seats(seats[:2]) == dict.fromkeys(seats[:2], ("LOCKED", "alice"))
    stack.wait_for_webhooks(1)
    stack.drain()
    assert stack.order(order["orderId"]).status == "COMPLETED"
    assert stack.tickets(order["orderId"]) == 2
    for _ in range(2):  # and once completed, still 409, still sold
        paid = cancel(stack, alice, order["orderId"])
        assert paid.status_code == 409
        assert paid.json()["error"] == "order_paid"
    assert stack.seats(seats[:2]) == dict.fromkeys(seats[:2], ("SOLD", "alice"))


def test_a_paid_order_whose_webhook_was_lost_is_handed_to_fulfilment(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    alice = auth_header("alice", email="alice@example.com")
    order = start(stack, alice, seats[:1])
    stack.sandbox.close()  # no webhook will arrive from now on
    assert stack.pay(order["url"]).status_code == 303
    assert cancel(stack, alice, order["orderId"]).status_code == 409
    stack.drain()  # the reconcile message the cancel queued
    assert stack.order(order["orderId"]).status == "COMPLETED"


def test_an_expired_order_cannot_be_cancelled(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    alice = auth_header("alice")
    order = start(stack, alice, seats[:1])
    clock.advance(minutes=16)
    sweep_pending_orders(stack.services)
    assert stack.order(order["orderId"]).status == "EXPIRED"
    answer = cancel(stack, alice, order["orderId"])
    assert answer.status_code == 409
    assert answer.json()["error"] == "order_not_pending"


def test_releasing_a_seat_in_checkout_names_the_order_to_cancel(stack, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    alice = auth_header("alice")
    order = start(stack, alice, seats[:1])
    with stack.client(alice) as client:
        release = client.delete(f"/api/v1/seats/lock/{seats[0]}")
    assert release.status_code == 409
    assert release.json()["error"] == "seat_in_checkout"
    assert release.json()["details"] == {"orderId": order["orderId"]}
    assert cancel(stack, alice, release.json()["details"]["orderId"]).status_code == 200
    assert stack.seats(seats[:1]) == {seats[0]: ("AVAILABLE", None)}
