"""A back-office refund while the gateway is down: claimed at once, asked again by the
sweeper, never given twice; on both databases."""

from __future__ import annotations

import contextlib
import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from seatguard.admin import audit, order_actions
from seatguard.booking import partial_refunds
from seatguard.booking.checkout import CheckoutRequest, start_checkout
from seatguard.booking.models import OrderItem, OrderRefund, Ticket
from seatguard.booking.sweeper import sweep_once
from seatguard.common.errors import AppError
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


@pytest.mark.parametrize("seed", range(4))
def test_any_sequence_of_refund_requests_gives_each_seat_back_at_most_once(world, seed):
    """A model run: random requests (chosen seats, all, repeats with the same key, outages,
    refusals) against one order; the gateway never returns more than was paid, each seat's
    money at most once, and every refunded seat's ticket is void and its seat free."""
    rng = random.Random(seed)
    order_id = paid_order(world, [0, 1, 2, 3])
    intent = world.order(order_id).payment_intent_id
    keys: list[str] = []
    for _ in range(12):
        world.gateway.refund_failure = (
            GatewayError("down", retryable=True) if rng.random() < 0.3 else None
        )
        world.gateway.refund_outcomes = ["failed"] if rng.random() < 0.2 else []
        roll = rng.random()
        chosen = None if roll < 0.15 else rng.sample(range(4), rng.randint(1, 2))
        key = rng.choice(keys) if keys and roll > 0.8 else uuid.uuid4().hex
        keys.append(key)
        with contextlib.suppress(AppError):
            refund(world, order_id, chosen, key=key)
        world.clock.advance(minutes=2)
        sweep_once(world.db, world.clock, sweep_steps(world.services))
    world.gateway.refund_failure, world.gateway.refund_outcomes = None, []
    for _ in range(4):
        world.clock.advance(minutes=2)
        sweep_once(world.db, world.clock, sweep_steps(world.services))

    order = world.order(order_id)
    with world.db.reader() as session:
        items = session.scalars(select(OrderItem).where(OrderItem.order_id == order_id)).all()
        void = set(
            session.scalars(
                select(Ticket.seat_id).where(
                    Ticket.order_id == order_id, Ticket.voided_at.is_not(None)
                )
            )
        )
    given_back = world.gateway.amount_refunded.get(intent, 0)
    assert given_back <= order.amount_total
    if order.status == "REFUNDED":
        assert given_back == order.amount_total
        assert void == {i.seat_id for i in items}
    else:
        assert order.status == "COMPLETED"
        refunded = {i.seat_id for i in items if i.refund_id is not None}
        assert given_back == sum(i.amount for i in items if i.refund_id is not None)
        assert void == refunded
        for index, seat_id in enumerate(world.seats[:4]):
            assert world.seat(index)[0] == ("AVAILABLE" if seat_id in refunded else "SOLD")


def test_a_whole_refund_after_an_unanswered_partial_one_gives_back_the_total_once(world):
    order_id = paid_order(world, [0, 1, 2])
    intent = world.order(order_id).payment_intent_id
    world.gateway.refund_failure = GatewayError("down", retryable=True)
    refund(world, order_id, [0])
    world.gateway.refund_failure = None
    refund(world, order_id, None)  # the rest, before the sweeper retried the first
    for _ in range(3):
        world.clock.advance(minutes=2)
        sweep_once(world.db, world.clock, sweep_steps(world.services))
    assert world.order(order_id).status == "REFUNDED"
    assert world.gateway.amount_refunded[intent] == 4500
    assert world.gateway.refunded_intents[intent] == 1  # one call covered both
    later = world.clock() + timedelta(hours=2)
    assert partial_refunds.refunds_to_resume(world.db, now=later) == []  # nothing left to ask
