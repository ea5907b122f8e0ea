"""The SQS outbox on SQLite and PostgreSQL against a real SQS endpoint (moto server on loopback).

A message exists in SQS if and only if its transaction committed, and an SQS outage only
delays it: the relay keeps the row until SQS takes it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.queue.base import Message
from seatguard.queue.models import OutboxMessage
from seatguard.queue.sqs_queue import SqsQueue, ensure_queues
from tests.support.moto import REGION, MotoServer, start_moto


def new_queue(
    endpoint: str, db: Database, clock: FrozenClock | None = None, *, fifo: bool = False
) -> SqsQueue:
    name = f"sg-{uuid.uuid4().hex[:12]}" + (".fifo" if fifo else "")
    url, _dlq = ensure_queues(name, region=REGION, endpoint_url=endpoint)
    extra = {"clock": clock} if clock else {}
    return SqsQueue(url, region=REGION, endpoint_url=endpoint, base_backoff=0, db=db, **extra)  # type: ignore[arg-type]


def receive_all(queue: SqsQueue, want: int, *, within: float = 5) -> list[Message]:
    got: list[Message] = []
    deadline = time.monotonic() + within
    while len(got) < want and time.monotonic() < deadline:
        got += queue.receive(max_messages=10, wait_seconds=1)
    return got


def outbox_rows(db: Database, queue: SqsQueue) -> list[OutboxMessage]:
    with db.reader() as s:
        return list(
            s.scalars(select(OutboxMessage).where(OutboxMessage.destination == queue.queue_url))
        )


def eventually(check: object, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_message_is_sent_if_and_only_if_its_transaction_commits(
    sqs_endpoint: str, db: Database
) -> None:
    queue = new_queue(sqs_endpoint, db)

    def send_then_fail() -> None:
        with db.unit_of_work() as session:
            queue.send({"type": "t", "n": 1}, session=session)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        send_then_fail()
    with db.unit_of_work() as session:
        queue.send({"type": "t", "n": 2}, session=session)
        assert queue.receive(wait_seconds=0) == []  # not before the commit

    got = receive_all(queue, 1)  # sent after the commit, without a relay loop running
    assert [m.body["n"] for m in got] == [2]
    assert queue.receive(wait_seconds=1) == []
    eventually(lambda: [r.sent_at is not None for r in outbox_rows(db, queue)] == [True])


def test_a_dedupe_key_is_written_once(sqs_endpoint: str, db: Database) -> None:
    queue = new_queue(sqs_endpoint, db)
    for n in (1, 2):
        with db.unit_of_work() as session:
            queue.send({"type": "t", "n": n}, session=session, dedupe_key="event:evt_1")
    got = receive_all(queue, 1)
    assert [m.body["n"] for m in got] == [1]
    assert queue.receive(wait_seconds=1) == []


@pytest.fixture
def own_sqs(sqs_endpoint: str) -> Iterator[MotoServer]:
    """A moto server of this test's own, free to be stopped and started again."""
    server = start_moto()
    yield server
    server.stop()


def test_sqs_down_at_commit_delays_the_message_and_loses_nothing(
    own_sqs: MotoServer, db: Database, clock: FrozenClock
) -> None:
    queue = new_queue(own_sqs.url, db, clock)
    port = int(own_sqs.url.rsplit(":", 1)[1])
    own_sqs.stop()

    with db.unit_of_work() as session:  # the commit succeeds with SQS unreachable
        queue.send({"type": "payment.checkout_completed", "session_id": "cs_1"}, session=session)
    assert queue.outbox is not None
    eventually(lambda: outbox_rows(db, queue)[0].last_error is not None, within=30)
    assert queue.outbox.drain() == 0  # still down, and the backoff has not run out
    [row] = outbox_rows(db, queue)
    assert row.sent_at is None
    assert row.last_error

    server = start_moto(port=port)
    try:
        clock.advance(minutes=2)
        assert queue.outbox.drain() == 1
        [message] = receive_all(queue, 1)
        assert message.body == {"type": "payment.checkout_completed", "session_id": "cs_1"}
        assert queue.outbox.pending() == 0
    finally:
        server.stop()


def test_several_relays_send_each_row_once(sqs_endpoint: str, db: Database) -> None:
    queue = new_queue(sqs_endpoint, db)
    assert queue.outbox is not None
    with db.unit_of_work() as session:
        for n in range(40):
            queue.send({"type": "t", "n": n}, session=session)

    # the commit's own sender races these four relays: five claimants for 40 rows
    relays = [threading.Thread(target=queue.outbox.drain) for _ in range(4)]
    for t in relays:
        t.start()
    for t in relays:
        t.join(timeout=60)

    got = receive_all(queue, 40, within=15)
    for m in got:
        queue.ack(m)
    assert sorted(m.body["n"] for m in got) == list(range(40))
    assert queue.receive(wait_seconds=1) == []
    assert queue.outbox.pending() == 0
    assert all(r.attempts == 1 for r in outbox_rows(db, queue))


def test_fifo_groups_are_per_order_so_one_order_never_blocks_another(
    sqs_endpoint: str, db: Database
) -> None:
    queue = new_queue(sqs_endpoint, db, fifo=True)
    with db.unit_of_work() as session:
        queue.send({"type": "email.send", "order_id": "A", "kind": "confirmation"}, session=session)
        queue.send({"type": "email.send", "order_id": "A", "kind": "refund"}, session=session)
        queue.send({"type": "email.send", "order_id": "B", "kind": "confirmation"}, session=session)

    [first] = queue.receive(max_messages=1, wait_seconds=1)  # order A's first, left in flight
    assert (first.body["order_id"], first.body["kind"]) == ("A", "confirmation")
    [second] = receive_all(queue, 1)  # A's group is blocked; B's is not
    assert (second.body["order_id"], second.body["kind"]) == ("B", "confirmation")
    assert queue.receive(max_messages=10, wait_seconds=1) == []  # A's refund waits for A
    queue.ack(first)
    [third] = receive_all(queue, 1)
    assert (third.body["order_id"], third.body["kind"]) == ("A", "refund")
