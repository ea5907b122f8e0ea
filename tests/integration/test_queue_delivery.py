"""Queue delivery end to end: heartbeats, emails once per order, a paid checkout through an outage.

Real SQS endpoint (moto server), real databases (SQLite and PostgreSQL), the live booking app
with the sandbox gateway, the worker's own handlers.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from seatguard.common.clock import FrozenClock, system_clock
from seatguard.common.db import Database
from seatguard.common.security import mint_token
from seatguard.notify.models import EmailSend
from seatguard.queue.base import Queue
from seatguard.queue.db_queue import DatabaseQueue
from seatguard.queue.relay import start_relay
from seatguard.queue.sqs_queue import SqsQueue, ensure_queues
from seatguard.runtime import build_services
from seatguard.settings import Settings
from seatguard.worker.handlers import build_handlers
from seatguard.worker.runner import process_batch, run_worker
from tests.support.factories import make_event
from tests.support.moto import REGION, MotoServer, start_moto
from tests.support.payflow import live_stack
from tests.support.tickets import make_paid_order


def sqs_queue(endpoint: str, db: Database, **kw: Any) -> SqsQueue:
    url, _dlq = ensure_queues(f"sg-{uuid.uuid4().hex[:12]}", region=REGION, endpoint_url=endpoint)
    return SqsQueue(url, region=REGION, endpoint_url=endpoint, base_backoff=0, db=db, **kw)


def eventually(check: Any, within: float = 15) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# -- a slow handler keeps its message ---------------------------------------------------------


def run_slow_handler(queue: Queue, *, seconds: float) -> list[tuple[float, float]]:
    """Two workers on ``queue``; one message whose handler outlasts the visibility timeout."""
    runs: list[tuple[float, float]] = []

    def slow(_body: dict[str, Any]) -> None:
        started = time.monotonic()
        time.sleep(seconds)
        runs.append((started, time.monotonic()))

    queue.send({"type": "slow"})
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker,
        args=(queue, {"slow": slow}),
        kwargs={"stop": stop, "concurrency": 2, "poll_seconds": 0.2},
    )
    worker.start()
    eventually(lambda: len(runs) == 1, within=seconds + 10)
    time.sleep(1.5)  # a second delivery would have come by now
    stop.set()
    worker.join(timeout=30)
    return runs


def test_a_slow_sqs_handler_is_not_delivered_twice_at_once(sqs_endpoint: str, db: Database):
    queue = sqs_queue(sqs_endpoint, db, visibility_timeout=1)
    runs = run_slow_handler(queue, seconds=3.5)
    assert len(runs) == 1, runs
    assert queue.depth()["in_flight"] == 0


def test_a_slow_database_queue_handler_is_not_delivered_twice_at_once(db: Database):
    queue = DatabaseQueue(db, name=f"slow-{uuid.uuid4().hex[:8]}", visibility_timeout=1)
    runs = run_slow_handler(queue, seconds=3.5)
    assert len(runs) == 1, runs
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}


# -- emails once per order and kind -----------------------------------------------------------


def email_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "email_outbox_dir": str(tmp_path / "mail"),
            "ticket_key_file": str(tmp_path / "ticket-key.pem"),
        }
    )


def test_a_redelivered_email_job_sends_one_email(
    sqs_endpoint: str, db: Database, settings: Settings, clock: FrozenClock, tmp_path: Path
):
    queue = sqs_queue(sqs_endpoint, db, clock=clock)
    services = build_services(email_settings(settings, tmp_path), db=db, clock=clock, queue=queue)
    paid = make_paid_order(db, now=clock(), private_key=Ed25519PrivateKey.generate())
    job = {"type": "email.send", "order_id": str(paid.order_id), "kind": "confirmation"}
    for n in range(3):  # the same job delivered three times (as SQS may)
        queue.send({**job, "delivery": n})
    handlers = build_handlers(services)
    handled = 0
    deadline = time.monotonic() + 15
    while handled < 3 and time.monotonic() < deadline:
        messages = queue.receive(max_messages=10, wait_seconds=1)
        assert process_batch(queue, handlers, messages) == []
        handled += len(messages)

    assert handled == 3
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    with db.reader() as s:
        [record] = s.scalars(select(EmailSend).where(EmailSend.order_id == paid.order_id))
    assert record.kind == "confirmation"
    assert record.sent_at is not None


def test_concurrent_deliveries_send_one_email(db: Database, settings: Settings, tmp_path: Path):
    services = build_services(email_settings(settings, tmp_path), db=db, clock=system_clock)
    paid = make_paid_order(db, now=system_clock(), private_key=Ed25519PrivateKey.generate())
    handler = build_handlers(services)["email.send"]
    job = {"type": "email.send", "order_id": str(paid.order_id), "kind": "confirmation"}
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def deliver() -> None:
        barrier.wait()
        try:
            handler(job)
            outcomes.append("handled")
        except Exception as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(outcomes) == 4
    assert set(outcomes) <= {"handled", "EmailInProgress"}
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    handler(job)  # and any later delivery is a no-op
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


# -- a paid checkout while SQS is down --------------------------------------------------------


@pytest.fixture
def own_sqs(sqs_endpoint: str) -> Iterator[list[MotoServer]]:
    servers = [start_moto()]
    yield servers
    servers[-1].stop()


def test_a_paid_checkout_during_an_sqs_outage_is_fulfilled_after_it(
    own_sqs: list[MotoServer],
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    tmp_path: Path,
):
    endpoint = own_sqs[0].url
    queue = sqs_queue(endpoint, db, clock=clock)
    assert queue.outbox is not None
    _, seats = make_event(db, now=clock(), seats=2)
    stop = threading.Event()
    with live_stack(settings, db, clock, tmp_path / "mail", queue=queue) as stack:
        relay = start_relay(queue, stop)  # as the worker, sweeper and booking processes run it
        token = mint_token(settings, user_id="buyer", email="buyer@x.io")
        with stack.client({"Authorization": f"Bearer {token}"}) as c:
            answer = c.post(
                "/api/v1/stripe/create/checkout/session",
                json={"currency": "usd", "items": [{"seatIds": [{"id": str(seats[0])}]}]},
            )
        assert answer.status_code == 201, answer.text
        order_id = answer.json()["orderId"]

        own_sqs[0].stop()  # SQS goes away before the payment
        assert stack.pay(answer.json()["url"]).status_code == 303
        stack.wait_for_webhooks(1)  # the webhook's transaction committed
        eventually(lambda: queue.outbox.pending() == 1 and last_error(db) is not None, within=30)
        assert stack.order(order_id).status == "PENDING"

        port = int(endpoint.rsplit(":", 1)[1])
        own_sqs.append(start_moto(port=port))  # SQS is back on the same address
        clock.advance(minutes=2)  # past the relay's backoff
        eventually(lambda: queue.outbox.pending() == 0, within=30)  # the relay sent it
        eventually(lambda: stack.drain() > 0 and stack.order(order_id).status == "COMPLETED")
        eventually(lambda: queue.outbox.pending() == 0)  # the confirmation email job
        eventually(lambda: stack.drain() > 0 or bool(list(stack.outbox.glob("*.eml"))))

        assert stack.tickets(order_id) == 1
        assert len(list(stack.outbox.glob("*.eml"))) == 1
        stop.set()
        assert relay is not None
        relay.join(timeout=10)


def last_error(db: Database) -> str | None:
    from seatguard.queue.models import OutboxMessage

    with db.reader() as s:
        return s.scalar(select(OutboxMessage.last_error).where(OutboxMessage.sent_at.is_(None)))


def test_messages_waiting_in_a_claimed_batch_are_not_delivered_twice(db: Database):
    """A receive claims three messages whose handlers each take most of the visibility
    timeout; the last waits twice that long for its turn and keeps its claim meanwhile."""
    queue = DatabaseQueue(db, name=f"batch-{uuid.uuid4().hex[:8]}", visibility_timeout=1)
    runs: list[int] = []

    def slow(body: dict[str, Any]) -> None:
        time.sleep(0.8)
        runs.append(body["n"])

    for n in range(3):
        queue.send({"type": "slow", "n": n})
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker,
        args=(queue, {"slow": slow}),
        kwargs={"stop": stop, "concurrency": 2, "poll_seconds": 0.2, "max_messages": 3},
    )
    worker.start()
    eventually(lambda: len(runs) >= 3, within=20)
    time.sleep(1.5)  # a second delivery would have come by now
    stop.set()
    worker.join(timeout=30)
    assert sorted(runs) == [0, 1, 2], runs
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}
