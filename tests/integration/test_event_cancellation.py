"""Cancelling an event refunds every sold order once, even when the worker dies halfway."""

from __future__ import annotations

import contextlib
import threading

import pytest

from seatguard.booking import cancellation, catalogue, refunds
from seatguard.booking.models import Order
from seatguard.booking.sweeper import sweep_once
from seatguard.payments.inbox import record_event
from seatguard.tickets.issue import issue_tickets
from seatguard.worker.handlers import sweep_steps
from seatguard.worker.runner import dispatch, process_batch
from tests.support.world import World, make_world

SOLD = 7


class WorkerDied(BaseException):
    """The process is gone: nothing after this point runs (not even the queue's retry)."""


@pytest.fixture
def world(db, clock, settings, tmp_path) -> World:
    return make_world(db, clock, settings, tmp_path, seats=SOLD + 1)


def sell_all(world: World) -> list:
    orders = []
    for n in range(SOLD):
        order_id, session_id = world.checkout(f"buyer{n}", n)
        world.deliver(world.gateway.pay(session_id))
        assert world.order(order_id).status == "COMPLETED"
        orders.append(order_id)
    return orders


def test_a_mass_refund_interrupted_halfway_resumes_and_refunds_each_order_once(world, monkeypatch):
    orders = sell_all(world)
    open_order, open_session = world.checkout("late", SOLD)  # a checkout still open
    monkeypatch.setattr(cancellation, "PAGE", 3)  # several pages, each its own job
    with world.db.unit_of_work() as session:
        catalogue.cancel_event(
            session, event_id=world.event_id, now=world.clock(), queue=world.queue
        )

    # The worker settles a few messages, then dies inside a refund: after the gateway
    # refunded, before the order was marked (the worst moment).
    real_record = refunds.record_refund
    settled = 0

    def die_on_the_fourth(**kwargs):
        nonlocal settled
        settled += 1
        if settled == 4:
            raise WorkerDied
        return real_record(**kwargs)

    monkeypatch.setattr(refunds, "record_refund", die_on_the_fourth)
    with contextlib.suppress(WorkerDied):
        while messages := world.queue.receive(max_messages=1, wait_seconds=0):
            process_batch(world.queue, world.handlers, messages)
    statuses = [world.order(o).status for o in orders]
    assert 0 < statuses.count("REFUNDED") < SOLD  # really halfway
    assert statuses.count("REFUNDING") >= 1

    # A new worker: the dead one's message comes back after its lease, and the sweeper
    # resumes what nobody holds a message for any more.
    monkeypatch.setattr(refunds, "record_refund", real_record)
    world.clock.advance(minutes=5)
    for _ in range(3):
        world.work()
        sweep_once(world.db, world.clock, sweep_steps(world.services))
        world.clock.advance(minutes=2)

    for order_id in orders:
        order = world.order(order_id)
        assert (order.status, order.status_reason, order.refund_status) == (
            "REFUNDED",
            "event_cancelled",
            "succeeded",
        )
    assert sorted(world.gateway.refunded_intents.values()) == [1] * SOLD  # never twice
    assert world.order(open_order).status == "EXPIRED"
    assert world.gateway.sessions[open_session].status == "expired"
    assert world.queue.depth()["dead"] == 0


def test_cancelling_twice_queues_the_work_once(world):
    orders = sell_all(world)
    for _ in range(2):
        with world.db.unit_of_work() as session:
            catalogue.cancel_event(
                session, event_id=world.event_id, now=world.clock(), queue=world.queue
            )
    world.work()
    assert {world.order(o).status for o in orders} == {"REFUNDED"}
    assert sorted(world.gateway.refunded_intents.values()) == [1] * SOLD
    with world.db.reader() as session:
        assert session.query(Order).filter(Order.status == "COMPLETED").count() == 0


def test_a_redelivered_page_job_queues_nothing_new(world):
    sell_all(world)
    with world.db.unit_of_work() as session:
        catalogue.cancel_event(
            session, event_id=world.event_id, now=world.clock(), queue=world.queue
        )
    [job] = world.queue.receive(max_messages=1, wait_seconds=0)
    dispatch(world.handlers, job.body)  # done, but the worker dies before the ack
    first = world.queue.depth()["ready"]
    dispatch(world.handlers, job.body)  # delivered again
    assert world.queue.depth()["ready"] == first == SOLD


def test_a_sale_and_a_cancellation_at_the_same_moment_never_leave_a_sold_ticket(world, monkeypatch):
    """The sale holds its event row (FOR SHARE) until it commits: the cancellation waits for
    it, so its refund job sees the sale; and a sale after the cancellation sees CANCELLED."""
    order_id, session_id = world.checkout("alice", 0)
    paid = world.gateway.pay(session_id)
    inside, release = threading.Event(), threading.Event()
    real_issue = issue_tickets

    def slow_issue(*args, **kwargs):
        inside.set()  # the sale's transaction is open, the event row read
        release.wait(10)
        return real_issue(*args, **kwargs)

    monkeypatch.setattr("seatguard.booking.fulfilment.issue_tickets", slow_issue)
    with world.db.unit_of_work() as session:
        record_event(session, event=paid, queue=world.queue, now=world.clock())
    [message] = world.queue.receive(max_messages=1, wait_seconds=0)
    sale = threading.Thread(target=process_batch, args=(world.queue, world.handlers, [message]))
    sale.start()
    assert inside.wait(10)

    def cancel_now() -> None:
        with world.db.unit_of_work() as session:
            catalogue.cancel_event(
                session, event_id=world.event_id, now=world.clock(), queue=world.queue
            )

    cancelling = threading.Thread(target=cancel_now)
    cancelling.start()
    cancelling.join(0.5)
    assert cancelling.is_alive()  # waits for the sale
    release.set()
    sale.join(10)
    cancelling.join(10)
    assert not cancelling.is_alive()
    world.work()
    order = world.order(order_id)
    assert (order.status, order.status_reason) == ("REFUNDED", "event_cancelled")
    assert world.gateway.refunded_intents == {order.payment_intent_id: 1}
