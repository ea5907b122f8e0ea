"""A back-office refund while the gateway is down: claimed at once, asked again by the
sweeper, never given twice; on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from seatguard.admin import audit, order_actions
from seatguard.booking.checkout import CheckoutRequest, start_checkout
from seatguard.booking.models import OrderRefund
from seatguard.booking.sweeper import sweep_once
from seatguard.payments.gateway import GatewayError
from seatguard.worker.handlers import sweep_steps
from tests.support.world import HOLD, World, make_world

ROOT = audit.Actor(id="root", role="admin")


@pytest.fixture
def world(db, clock, settings, tmp_path) -> World:
    return make_world(db, clock, settings, tmp_path, seats=4)


def paid_order(world: World, seats: list[int]):
    result = start_checkout(
        db=world.db,
        gateway=world.gateway,
        request=CheckoutRequest(
            user_id="alice",
            seat_ids=[world.seats[i] for i in seats],
            currency="usd",
            customer_email="alice@example.com",
            success_url="https://shop.invalid/ok",
            cancel_url="https://shop.invalid/cancel",
        ),
        now=world.clock(),
        hold_for=HOLD,
        max_per_event=4,
    )
    world.deliver(world.gateway.pay(result.session_id))
    assert world.order(result.order_id).status == "COMPLETED"
    return result.order_id


def refund(world: World, order_id, seats: list[int] | None, key: str | None = None):
    chosen = None if seats is None else tuple(world.seats[i] for i in seats)
    return order_actions.refund(
        db=world.db,
        gateway=world.gateway,
        queue=world.queue,
        request=order_actions.RefundRequest(
            order_id=order_id, seat_ids=chosen, key=key, reason="", actor=ROOT
        ),
        now=world.clock(),
    )


def test_a_partial_refund_during_an_outage_is_retried_by_the_sweeper_once(world):
    order_id = paid_order(world, [0, 1, 2])
    intent = world.order(order_id).payment_intent_id
    world.gateway.refund_failure = GatewayError("connection reset", retryable=True)
    refund_id = refund(world, order_id, [1], key="k1")

    # claimed at once: seat free, the order still COMPLETED, nothing given back yet
    assert world.seat(1) == ("AVAILABLE", None)
    assert world.order(order_id).status == "COMPLETED"
    assert world.gateway.amount_refunded.get(intent, 0) == 0
    with world.db.reader() as session:
        assert session.get(OrderRefund, refund_id).status is None

    # the same request while the gateway is still down answers the same and asks nothing
    assert refund(world, order_id, [1], key="k1") == refund_id
    for _ in range(2):  # down for a while: sweeps find it, fail, leave it
        world.clock.advance(minutes=2)
        sweep_once(world.db, world.clock, sweep_steps(world.services))
    world.gateway.refund_failure = None
    for _ in range(3):  # back: one sweep asks, the later ones find it settled
        world.clock.advance(minutes=2)
        sweep_once(world.db, world.clock, sweep_steps(world.services))

    with world.db.reader() as session:
        row = session.get(OrderRefund, refund_id)
        assert (row.status, row.amount) == ("succeeded", 1500)
    assert world.gateway.amount_refunded[intent] == 1500  # once
    assert world.gateway.refunded_intents[intent] == 1
    assert world.order(order_id).status == "COMPLETED"


def test_a_refused_partial_refund_is_asked_again_with_a_new_key(world):
    order_id = paid_order(world, [0, 1])
    intent = world.order(order_id).payment_intent_id
    world.gateway.refund_outcomes = ["failed"]
    refund_id = refund(world, order_id, [0])
    with world.db.reader() as session:
        assert (session.get(OrderRefund, refund_id).status) == "failed"
    world.clock.advance(minutes=2)
    sweep_once(world.db, world.clock, sweep_steps(world.services))
    with world.db.reader() as session:
        row = session.get(OrderRefund, refund_id)
        assert (row.status, row.attempts) == ("succeeded", 1)
    assert world.gateway.amount_refunded[intent] == 1500
    assert len(world.gateway.refunds) == 2  # two keys: the failed one and the retry


def test_a_whole_refund_during_an_outage_ends_refunded_once(world):
    order_id = paid_order(world, [0, 1])
    intent = world.order(order_id).payment_intent_id
    world.gateway.refund_failure = GatewayError("timeout", retryable=True)
    refund(world, order_id, None)
    assert world.order(order_id).status == "REFUNDING"
    assert (world.seat(0), world.seat(1)) == (("AVAILABLE", None), ("AVAILABLE", None))
    world.gateway.refund_failure = None
    for _ in range(3):
        world.clock.advance(minutes=2)
        sweep_once(world.db, world.clock, sweep_steps(world.services))
    assert world.order(order_id).status == "REFUNDED"
    assert world.gateway.amount_refunded[intent] == 3000
    with world.db.reader() as session:
        rows = session.scalars(select(OrderRefund).where(OrderRefund.order_id == order_id)).all()
    assert [r.whole for r in rows] == [True]
