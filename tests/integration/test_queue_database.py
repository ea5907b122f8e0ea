"""The database queue on SQLite and PostgreSQL: delivery, outbox, dedupe, leases, retries."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import select

from seatguard.booking.models import Event
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.queue.db_queue import DatabaseQueue
from seatguard.queue.models import Job
from tests.support.factories import make_event


def make_queue(db: Database, clock: FrozenClock, **kw: object) -> DatabaseQueue:
    return DatabaseQueue(db, clock=clock, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def test_send_receive_ack(db: Database, clock: FrozenClock) -> None:
    queue = make_queue(db, clock)
    queue.send({"type": "order.paid", "orderId": "o-1"})
    queue.send({"type": "order.paid", "orderId": "o-2"})

    messages = queue.receive(wait_seconds=0)

    assert sorted(m.body["orderId"] for m in messages) == ["o-1", "o-2"]
    assert all(m.attempts == 1 for m in messages)
    assert queue.depth() == {"ready": 0, "in_flight": 2, "delayed": 0, "dead": 0}
    for m in messages:
        queue.ack(m)
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}
    assert queue.receive(wait_seconds=0) == []


def test_max_messages_limits_a_claim(db: Database, clock: FrozenClock) -> None:
    queue = make_queue(db, clock)
    for i in range(5):
        queue.send({"type": "t", "n": i})
    assert len(queue.receive(max_messages=3, wait_seconds=0)) == 3
    assert len(queue.receive(max_messages=3, wait_seconds=0)) == 2


def test_queues_are_separate_by_name(db: Database, clock: FrozenClock) -> None:
    emails = make_queue(db, clock, name="emails")
    orders = make_queue(db, clock, name="orders")
    emails.send({"type": "email"})
    assert orders.receive(wait_seconds=0) == []
    assert [m.body for m in emails.receive(wait_seconds=0)] == [{"type": "email"}]


def test_send_in_a_committed_transaction_is_delivered_with_the_state_change(
    db: Database, clock: FrozenClock
) -> None:
    queue = make_queue(db, clock)
    event_id, _ = make_event(db, now=clock(), seats=1)
    with db.unit_of_work() as session:
        session.get_one(Event, event_id).name = "Renamed"
        queue.send({"type": "event.renamed", "eventId": str(event_id)}, session=session)

    [message] = queue.receive(wait_seconds=0)
    assert message.body == {"type": "event.renamed", "eventId": str(event_id)}


def test_send_in_a_rolled_back_transaction_leaves_nothing(db: Database, clock: FrozenClock) -> None:
    queue = make_queue(db, clock)
    event_id, _ = make_event(db, now=clock(), seats=1)

    def rename_then_fail() -> None:
        with db.unit_of_work() as session:
            session.get_one(Event, event_id).name = "Renamed"
            queue.send({"type": "event.renamed"}, session=session)
            raise RuntimeError("the state change failed")

    with pytest.raises(RuntimeError):
        rename_then_fail()

    assert queue.receive(wait_seconds=0) == []
    with db.reader() as session:
        assert session.get_one(Event, event_id).name != "Renamed"
        assert session.scalars(select(Job)).all() == []


def test_duplicate_dedupe_key_is_ignored(db: Database, clock: FrozenClock) -> None:
    queue = make_queue(db, clock)
    queue.send({"type": "order.paid", "n": 1}, dedupe_key="evt_1")
    queue.send({"type": "order.paid", "n": 2}, dedupe_key="evt_1")
    with db.unit_of_work() as session:
        queue.send({"type": "order.paid", "n": 3}, dedupe_key="evt_1", session=session)
    queue.send({"type": "order.paid", "n": 4}, dedupe_key="evt_2")

    assert sorted(m.body["n"] for m in queue.receive(wait_seconds=0)) == [1, 4]


def test_a_dedupe_key_stays_taken_after_ack_until_purged(db: Database, clock: FrozenClock) -> None:
    queue = make_queue(db, clock, done_retention=3600)
    queue.send({"type": "email.send", "n": 1}, dedupe_key="order-1:confirmation")
    [message] = queue.receive(wait_seconds=0)
    queue.ack(message)

    queue.send({"type": "email.send", "n": 2}, dedupe_key="order-1:confirmation")
    assert queue.receive(wait_seconds=0) == []

    clock.advance(seconds=3601)
    assert queue.purge_done() == 1
    queue.send({"type": "email.send", "n": 3}, dedupe_key="order-1:confirmation")
    assert [m.body["n"] for m in queue.receive(wait_seconds=0)] == [3]


def test_the_same_dedupe_key_may_be_used_on_another_queue(db: Database, clock: FrozenClock) -> None:
    make_queue(db, clock, name="a").send({"type": "x"}, dedupe_key="k")
    make_queue(db, clock, name="b").send({"type": "x"}, dedupe_key="k")
    assert len(make_queue(db, clock, name="b").receive(wait_seconds=0)) == 1


def test_a_delayed_message_waits(db: Database, clock: FrozenClock) -> None:
    queue = make_queue(db, clock)
    queue.send({"type": "later"}, delay_seconds=60)
    assert queue.receive(wait_seconds=0) == []
    assert queue.depth()["delayed"] == 1
    clock.advance(seconds=60)
    assert len(queue.receive(wait_seconds=0)) == 1


def test_a_claimed_but_unacked_message_reappears_after_the_visibility_timeout(
    db: Database, clock: FrozenClock
) -> None:
    queue = make_queue(db, clock, visibility_timeout=30)
    queue.send({"type": "t"})
    [first] = queue.receive(wait_seconds=0)

    clock.advance(seconds=29)
    assert queue.receive(wait_seconds=0) == []
    clock.advance(seconds=2)
    [again] = queue.receive(wait_seconds=0)

    assert again.id == first.id
    assert again.attempts == 2
    # the crashed worker's late retry no longer touches the job now leased to another
    queue.retry(first, error="late")
    assert queue.depth()["in_flight"] == 1
    queue.ack(again)
    assert queue.depth()["in_flight"] == 0


def visible_in(db: Database, clock: FrozenClock, job_id: str) -> float:
    with db.reader() as session:
        job = session.scalars(select(Job).where(Job.id == uuid.UUID(job_id))).one()
    return (job.visible_at - clock()).total_seconds()


def test_retry_backs_off_exponentially_then_dead_letters(db: Database, clock: FrozenClock) -> None:
    queue = make_queue(db, clock, max_attempts=4, base_backoff=10, max_backoff=25)
    queue.send({"type": "t"})
    waits = []
    for attempt in range(1, 4):
        [message] = queue.receive(wait_seconds=0)
        assert message.attempts == attempt
        queue.retry(message, error=f"boom {attempt}")
        waits.append(visible_in(db, clock, message.id))
        assert queue.receive(wait_seconds=0) == []
        clock.advance(seconds=waits[-1])

    # equal jitter: between half and all of base·2^(n-1), capped at max_backoff
    assert 5 <= waits[0] <= 10
    assert 10 <= waits[1] <= 20
    assert 12.5 <= waits[2] <= 25
    [last] = queue.receive(wait_seconds=0)
    assert last.attempts == 4
    queue.retry(last, error="boom 4")

    assert queue.receive(wait_seconds=0) == []
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 1}
    [dead] = queue.dead_jobs()
    assert dead.body == {"type": "t"}
    assert dead.attempts == 4
    assert dead.last_error == "boom 4"
    assert dead.dead_at == clock()


def test_a_job_whose_last_attempt_timed_out_is_dead_lettered(
    db: Database, clock: FrozenClock
) -> None:
    queue = make_queue(db, clock, max_attempts=1, visibility_timeout=10)
    queue.send({"type": "t"})
    assert len(queue.receive(wait_seconds=0)) == 1
    clock.advance(seconds=11)

    assert queue.receive(wait_seconds=0) == []
    [dead] = queue.dead_jobs()
    assert dead.last_error == "visibility timeout expired on the last attempt"


def test_redrive_gives_dead_jobs_fresh_attempts(db: Database, clock: FrozenClock) -> None:
    queue = make_queue(db, clock, max_attempts=1)
    for n in range(3):
        queue.send({"type": "t", "n": n})
    for message in queue.receive(wait_seconds=0):
        queue.retry(message, error="boom")
    assert queue.depth()["dead"] == 3

    first = queue.dead_jobs()[0]
    assert queue.redrive_dead([first.id]) == 1
    [only] = queue.receive(wait_seconds=0)
    assert only.id == first.id
    assert only.attempts == 1
    assert queue.redrive_dead() == 2
    assert len(queue.receive(wait_seconds=0)) == 2
    assert queue.depth()["dead"] == 0


def test_receive_waits_for_a_message_up_to_wait_seconds(db: Database) -> None:
    queue = DatabaseQueue(db)
    assert queue.receive(wait_seconds=0.3) == []


def test_a_body_without_a_type_is_refused(db: Database, clock: FrozenClock) -> None:
    with pytest.raises(ValueError, match="type"):
        make_queue(db, clock).send({"orderId": "o-1"})
