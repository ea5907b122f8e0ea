"""Stripe's full set of outcomes, from signed-event shape to order state, on both databases:
async payments, refunds that are pending or fail, disputes. The gateway is the in-memory
port used by the model-based test; the database, queue, worker handlers and inbox are real.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from seatguard.app import create_app
from seatguard.booking.sweeper import sweep_once
from seatguard.common.security import Role
from seatguard.payments.gateway import GatewayError
from seatguard.worker.handlers import sweep_steps
from tests.support.world import World, make_world


@pytest.fixture
def world(db, clock, settings, tmp_path) -> World:
    return make_world(db, clock, settings, tmp_path)


def test_async_payment_holds_the_seats_until_it_succeeds(world):
    order_id, session_id = world.checkout()
    world.deliver(world.gateway.pay_async(session_id))  # completed, payment_status unpaid
    order = world.order(order_id)
    assert (order.status, order.status_reason) == ("PENDING", "awaiting_payment")
    world.clock.advance(hours=3)  # far past the 15-minute hold
    sweep_once(world.db, world.clock, sweep_steps(world.services))
    assert world.seat() == ("LOCKED", order_id)  # neither sold nor freed meanwhile
    assert world.order(order_id).status == "PENDING"

    world.deliver(world.gateway.settle_async(session_id, succeeded=True))
    assert world.order(order_id).status == "COMPLETED"
    assert world.seat() == ("SOLD", order_id)


def test_a_failed_async_payment_fails_the_order_and_frees_the_seats(world):
    order_id, session_id = world.checkout()
    world.deliver(world.gateway.pay_async(session_id))
    world.deliver(world.gateway.settle_async(session_id, succeeded=False))
    order = world.order(order_id)
    assert (order.status, order.status_reason) == ("FAILED", "async_payment_failed")
    assert world.seat() == ("AVAILABLE", None)
    assert world.gateway.refunded_intents == {}


def _paid_then_refunded(world) -> tuple[uuid.UUID, str]:
    """A payment that arrives after its seat was sold to someone else: it must be refunded."""
    order_id, session_id = world.checkout("alice", 0)
    world.clock.advance(minutes=16)  # alice's hold ran out
    world.checkout("bob", 0)
    world.deliver(world.gateway.pay(session_id))
    return order_id, session_id


def test_a_pending_refund_is_refunding_until_the_gateway_says_it_succeeded(world):
    world.gateway.refund_outcomes.append("pending")
    order_id, _ = _paid_then_refunded(world)
    order = world.order(order_id)
    assert (order.status, order.refund_status) == ("REFUNDING", "pending")
    sweep_once(world.db, world.clock, sweep_steps(world.services))  # nothing to retry
    assert len(world.gateway.refunds_by_id) == 1

    world.deliver(world.gateway.settle_refund(order.refund_id, "succeeded"))
    order = world.order(order_id)
    assert (order.status, order.refund_status) == ("REFUNDED", "succeeded")


def test_a_failed_refund_is_retried_with_a_new_attempt_until_it_succeeds(world):
    world.gateway.refund_outcomes.append("failed")
    order_id, _ = _paid_then_refunded(world)
    order = world.order(order_id)
    assert (order.status, order.refund_status, order.refund_attempts) == (
        "REFUNDING",
        "failed",
        1,
    )
    world.clock.advance(minutes=2)
    sweep_once(world.db, world.clock, sweep_steps(world.services))
    order = world.order(order_id)
    assert (order.status, order.refund_status) == ("REFUNDED", "succeeded")
    assert len(world.gateway.refunds_by_id) == 2  # the failed one and its retry
    assert sum(world.gateway.refunded_intents.values()) == 1  # money back once


def test_a_refund_that_fails_later_is_retried(world):
    world.gateway.refund_outcomes.append("pending")
    order_id, _ = _paid_then_refunded(world)
    world.deliver(world.gateway.settle_refund(world.order(order_id).refund_id, "failed"))
    assert world.order(order_id).refund_status == "failed"
    world.clock.advance(minutes=2)
    sweep_once(world.db, world.clock, sweep_steps(world.services))
    assert world.order(order_id).status == "REFUNDED"


def test_a_dispute_is_recorded_and_shown_to_admins_only(world, settings, auth_header):
    order_id, session_id = world.checkout()
    world.deliver(world.gateway.pay(session_id))
    assert world.order(order_id).status == "COMPLETED"
    event = world.gateway.dispute(session_id)
    world.deliver(event)
    app = create_app(world.services.settings, db=world.db, clock=world.clock)
    app.state.services = world.services
    with TestClient(app) as client:
        path = f"/api/v1/booking-orders/{order_id}"
        as_admin = client.get(path, headers=auth_header("root", Role.ADMIN)).json()
        as_buyer = client.get(path, headers=auth_header("alice")).json()
    [dispute] = as_admin["disputes"]
    assert dispute["id"] == event["data"]["object"]["id"]
    assert (dispute["status"], dispute["reason"]) == ("needs_response", "fraudulent")
    assert dispute["amount"] == world.order(order_id).amount_total
    assert as_buyer["disputes"] is None


def test_a_refund_the_gateway_refuses_is_counted_alerted_and_retried(world, monkeypatch):
    real = world.gateway.refund
    calls = []

    def refuse_once(**kwargs):
        calls.append(kwargs["idempotency_key"])
        if len(calls) == 1:
            raise GatewayError("refunds are disabled on this account", code="account_invalid")
        return real(**kwargs)

    monkeypatch.setattr(world.gateway, "refund", refuse_once)
    order_id, _ = _paid_then_refunded(world)
    order = world.order(order_id)
    assert (order.status, order.refund_status, order.refund_attempts) == (
        "REFUNDING",
        "failed",
        1,
    )
    world.clock.advance(minutes=2)
    sweep_once(world.db, world.clock, sweep_steps(world.services))
    assert world.order(order_id).status == "REFUNDED"
    assert calls == [f"refund-{order_id}", f"refund-{order_id}-1"]


def test_an_async_payment_still_unpaid_when_the_event_starts_frees_the_seats(world):
    order_id, session_id = world.checkout()
    world.deliver(world.gateway.pay_async(session_id))
    world.clock.advance(days=91)  # the event (90 days out) has started; still no money
    world.queue.send({"type": "payment.checkout_completed", "session_id": session_id})
    world.work()
    order = world.order(order_id)
    assert (order.status, order.status_reason) == ("FAILED", "async_payment_timeout")
    assert world.seat() == ("AVAILABLE", None)
    world.deliver(world.gateway.settle_async(session_id, succeeded=True))  # money, too late
    order = world.order(order_id)
    assert (order.status, order.status_reason) == ("REFUNDED", "event_started")


def test_a_pending_refund_whose_update_never_arrives_is_polled(world):
    world.gateway.refund_outcomes.append("pending")
    order_id, _ = _paid_then_refunded(world)
    refund_id = world.order(order_id).refund_id
    world.gateway.settle_refund(refund_id, "succeeded")  # its webhook is lost
    world.clock.advance(minutes=30)
    sweep_once(world.db, world.clock, sweep_steps(world.services))
    assert world.order(order_id).status == "REFUNDING"  # not polled yet
    world.clock.advance(minutes=31)
    sweep_once(world.db, world.clock, sweep_steps(world.services))
    assert world.order(order_id).status == "REFUNDED"
    assert len(world.gateway.refunds_by_id) == 1
