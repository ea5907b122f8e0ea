"""The SQS adapter against a real SQS-compatible HTTP endpoint (moto server on loopback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

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


def test_a_transactional_send_needs_the_database() -> None:
    queue = SqsQueue("http://127.0.0.1:1/1/q", region=REGION)
    with pytest.raises(ValueError, match="outbox"):
        queue.send({"type": "t"}, session=object())  # type: ignore[arg-type]


def test_dead_lists_the_dead_letter_queue_without_emptying_it(sqs_endpoint: str) -> None:
    queue = new_queue(sqs_endpoint, max_receive_count=1)
    for n in (1, 2):
        queue.send({"type": "poison", "n": n})
        [message] = receive_all(queue, 1)
        queue.retry(message, error="boom")
    assert queue.receive(wait_seconds=1) == []

    dead = queue.dead_jobs()
    assert sorted(d.body["n"] for d in dead) == [1, 2]
    assert all(d.dead_at is not None for d in dead)
    assert sorted(d.body["n"] for d in queue.dead_jobs()) == [1, 2]  # still there
    assert queue.depth()["dead"] == 2


def test_redrive_moves_dead_messages_back(sqs_endpoint: str) -> None:
    queue = new_queue(sqs_endpoint, max_receive_count=1)
    for n in (1, 2, 3):
        queue.send({"type": "poison", "n": n})
    for message in receive_all(queue, 3):
        queue.retry(message, error="boom")
    assert queue.receive(wait_seconds=1) == []
    dead = {d.body["n"]: d.id for d in queue.dead_jobs()}
    assert sorted(dead) == [1, 2, 3]

    assert queue.redrive_dead([dead[2]]) == 1
    [back] = receive_all(queue, 1)
    assert back.body == {"type": "poison", "n": 2}
    queue.ack(back)
    assert sorted(d.body["n"] for d in queue.dead_jobs()) == [1, 3]

    assert queue.redrive_dead() == 2
    again = receive_all(queue, 2)
    assert sorted(m.body["n"] for m in again) == [1, 3]
    for m in again:
        queue.ack(m)
    assert queue.dead_jobs() == []
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}


def test_redrive_on_a_fifo_queue(sqs_endpoint: str) -> None:
    url, _dlq = ensure_queues(
        f"sg-{uuid.uuid4().hex[:12]}.fifo",
        region=REGION,
        endpoint_url=sqs_endpoint,
        max_receive_count=1,
    )
    queue = SqsQueue(url, region=REGION, endpoint_url=sqs_endpoint, base_backoff=0)
    queue.send({"type": "email.send", "order_id": "A"}, dedupe_key="email:A")
    [message] = receive_all(queue, 1)
    queue.retry(message, error="boom")
    assert queue.receive(wait_seconds=1) == []
    assert [d.body["order_id"] for d in queue.dead_jobs()] == ["A"]

    assert queue.redrive_dead() == 1
    [back] = receive_all(queue, 1)
    assert back.body == {"type": "email.send", "order_id": "A"}


def seatguard_queue(endpoint: str, queue_url: str, *args: str) -> list[str]:
    env = {
        **os.environ,
        "SEATGUARD_ENV": "test",
        "QUEUE_URL": queue_url,
        "AWS_ENDPOINT_URL": endpoint,
        "DATABASE_URL": "sqlite:///:memory:",
    }
    done = subprocess.run(
        [sys.executable, "-m", "seatguard", "queue", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_queue_dead_and_redrive_commands_work_on_sqs(sqs_endpoint: str) -> None:
    queue = new_queue(sqs_endpoint, max_receive_count=1)
    for n in (1, 2):
        queue.send({"type": "poison", "n": n})
    for message in receive_all(queue, 2):
        queue.retry(message, error="boom")
    assert queue.receive(wait_seconds=1) == []

    listed = [json.loads(line) for line in seatguard_queue(sqs_endpoint, queue.queue_url, "dead")]
    assert sorted(d["type"] for d in listed) == ["poison", "poison"]
    first = listed[0]["id"]

    assert seatguard_queue(sqs_endpoint, queue.queue_url, "redrive", first) == ["redrove 1 jobs"]
    [back] = receive_all(queue, 1)
    assert back.id != first  # a new message, the same body
    assert back.body in ({"type": "poison", "n": 1}, {"type": "poison", "n": 2})
    assert seatguard_queue(sqs_endpoint, queue.queue_url, "redrive") == ["redrove 1 jobs"]
    assert queue.dead_jobs() == []
