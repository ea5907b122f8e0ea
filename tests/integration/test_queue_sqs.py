"""The SQS adapter against a real SQS-compatible HTTP endpoint (moto server on loopback)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from seatguard.common.db import Database
from seatguard.queue.base import Message
from seatguard.queue.sqs_queue import SqsQueue, ensure_queues, sqs_client
from tests.support.moto import REGION


def new_queue(endpoint: str, *, max_receive_count: int = 3, **kw: object) -> SqsQueue:
    url, _dlq = ensure_queues(
        f"sg-{uuid.uuid4().hex[:12]}",
        region=REGION,
        endpoint_url=endpoint,
        max_receive_count=max_receive_count,
    )
    return SqsQueue(url, region=REGION, endpoint_url=endpoint, base_backoff=0, **kw)  # type: ignore[arg-type]


def receive_all(queue: SqsQueue, want: int, *, within: float = 5) -> list[Message]:
    got: list[Message] = []
    deadline = time.monotonic() + within
    while len(got) < want and time.monotonic() < deadline:
        got += queue.receive(max_messages=10, wait_seconds=1)
    return got


def test_send_receive_ack(sqs_endpoint: str) -> None:
    queue = new_queue(sqs_endpoint)
    queue.send({"type": "order.paid", "orderId": "o-1"})
    queue.send({"type": "order.paid", "orderId": "o-2"})

    messages = receive_all(queue, 2)

    assert sorted(m.body["orderId"] for m in messages) == ["o-1", "o-2"]
    assert all(m.attempts == 1 for m in messages)
    assert queue.depth()["in_flight"] == 2
    for m in messages:
        queue.ack(m)
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}
    assert queue.receive(wait_seconds=0) == []


def test_retry_makes_the_message_come_back_with_a_higher_count(sqs_endpoint: str) -> None:
    queue = new_queue(sqs_endpoint)
    queue.send({"type": "t"})
    [first] = receive_all(queue, 1)
    queue.retry(first, error="boom")

    [again] = receive_all(queue, 1)

    assert again.id == first.id
    assert again.attempts == 2
    queue.ack(again)


def test_unacked_message_reappears_after_the_visibility_timeout(sqs_endpoint: str) -> None:
    queue = new_queue(sqs_endpoint, visibility_timeout=1)
    queue.send({"type": "t"})
    [first] = receive_all(queue, 1)
    assert queue.receive(wait_seconds=0) == []

    [again] = receive_all(queue, 1)
    assert again.id == first.id


def test_dead_letters_after_max_receive_count(sqs_endpoint: str) -> None:
    queue = new_queue(sqs_endpoint, max_receive_count=2)
    queue.send({"type": "poison"})
    for attempt in (1, 2):
        [message] = receive_all(queue, 1)
        assert message.attempts == attempt
        queue.retry(message, error="boom")

    assert queue.receive(wait_seconds=1) == []
    assert queue.depth()["dead"] == 1
    dlq = queue.dead_letter_queue_url()
    assert dlq is not None
    raw = sqs_client(region=REGION, endpoint_url=sqs_endpoint).receive_message(QueueUrl=dlq)
    assert [m["Body"] for m in raw["Messages"]] == ['{"type":"poison"}']


def test_fifo_queue_deduplicates_by_key(sqs_endpoint: str) -> None:
    queue = new_queue_fifo(sqs_endpoint)
    queue.send({"type": "t", "n": 1}, dedupe_key="evt_1")
    queue.send({"type": "t", "n": 2}, dedupe_key="evt_1")
    queue.send({"type": "t", "n": 3}, dedupe_key="evt_2")

    got = receive_all(queue, 2)
    assert sorted(m.body["n"] for m in got) == [1, 3]


def new_queue_fifo(endpoint: str) -> SqsQueue:
    url, dlq = ensure_queues(
        f"sg-{uuid.uuid4().hex[:12]}.fifo", region=REGION, endpoint_url=endpoint
    )
    assert url.endswith(".fifo")
    assert dlq.endswith("-dlq.fifo")
    return SqsQueue(url, region=REGION, endpoint_url=endpoint)


def test_a_malformed_body_is_delivered_as_invalid(sqs_endpoint: str) -> None:
    queue = new_queue(sqs_endpoint)
    sqs_client(region=REGION, endpoint_url=sqs_endpoint).send_message(
        QueueUrl=queue.queue_url, MessageBody="not json"
    )
    [message] = receive_all(queue, 1)
    assert message.body == {"type": "invalid", "raw": "not json"}


def test_send_with_a_session_waits_for_commit(sqs_endpoint: str, tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/outbox.db")
    queue = new_queue(sqs_endpoint)

    def send_then_fail() -> None:
        with db.unit_of_work() as session:
            queue.send({"type": "t", "n": 1}, session=session)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        send_then_fail()
    with db.unit_of_work() as session:
        queue.send({"type": "t", "n": 2}, session=session)
        assert queue.receive(wait_seconds=0) == []  # not before the commit

    got = receive_all(queue, 1)
    assert [m.body["n"] for m in got] == [2]
    assert queue.receive(wait_seconds=1) == []
    db.dispose()
