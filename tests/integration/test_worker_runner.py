"""The long-poll worker on both queues: retries, dead letters, unknown types, clean stops."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from seatguard.common.db import Database
from seatguard.queue.base import Queue
from seatguard.queue.db_queue import DatabaseQueue
from seatguard.queue.sqs_queue import SqsQueue, ensure_queues
from seatguard.worker.runner import Handler, run_worker
from tests.conftest import wipe
from tests.support.moto import REGION

MAX_ATTEMPTS = 3


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "sqs"])
def queue(request: pytest.FixtureRequest) -> Iterator[Queue]:
    if request.param == "sqs":
        endpoint: str = request.getfixturevalue("sqs_endpoint")
        url, _ = ensure_queues(
            f"sg-worker-{uuid.uuid4().hex[:10]}",
            region=REGION,
            endpoint_url=endpoint,
            max_receive_count=MAX_ATTEMPTS,
        )
        yield SqsQueue(url, region=REGION, endpoint_url=endpoint, base_backoff=0)
        return
    url_fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    db = Database(request.getfixturevalue(url_fixture))
    wipe(db)
    yield DatabaseQueue(db, max_attempts=MAX_ATTEMPTS, base_backoff=0)
    db.dispose()


@pytest.fixture
def worker(queue: Queue) -> Iterator[Callable[[dict[str, Handler]], None]]:
    """Start ``run_worker`` in the background with the given handlers; stopped at teardown."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(handlers: dict[str, Handler]) -> None:
        t = threading.Thread(
            target=run_worker,
            args=(queue, handlers),
            kwargs={"stop": stop, "concurrency": 2, "poll_seconds": 0.5},
        )
        t.start()
        threads.append(t)

    yield start
    stop.set()
    for t in threads:
        t.join(timeout=10)
        assert not t.is_alive()


def eventually(check: Callable[[], bool], within: float = 15) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_handler_that_fails_twice_is_retried_then_acked(
    queue: Queue, worker: Callable[[dict[str, Handler]], None]
) -> None:
    calls: list[dict[str, Any]] = []

    def flaky(body: dict[str, Any]) -> None:
        calls.append(body)
        if len(calls) < 3:
            raise ConnectionError("gateway timed out")

    queue.send({"type": "order.paid", "orderId": "o-1"})
    worker({"order.paid": flaky})

    eventually(lambda: len(calls) == 3 and queue.depth()["in_flight"] == 0)
    assert calls == [{"type": "order.paid", "orderId": "o-1"}] * 3
    time.sleep(0.6)
    assert len(calls) == 3  # acked: never delivered again
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}


def test_a_handler_that_always_fails_ends_in_the_dead_letter_queue(
    queue: Queue, worker: Callable[[dict[str, Handler]], None]
) -> None:
    calls: list[int] = []

    def broken(body: dict[str, Any]) -> None:
        calls.append(1)
        raise ValueError("bad order")

    queue.send({"type": "order.paid"})
    worker({"order.paid": broken})

    eventually(lambda: queue.depth()["dead"] == 1)
    assert len(calls) == MAX_ATTEMPTS


def test_an_unknown_type_is_retried_until_dead_lettered(
    queue: Queue, worker: Callable[[dict[str, Handler]], None]
) -> None:
    handled: list[dict[str, Any]] = []
    queue.send({"type": "from.the.future"})
    queue.send({"type": "known"})
    worker({"known": handled.append})

    eventually(lambda: queue.depth()["dead"] == 1)
    assert handled == [{"type": "known"}]


def test_stop_lets_the_message_in_hand_finish(queue: Queue) -> None:
    started, release = threading.Event(), threading.Event()
    done: list[dict[str, Any]] = []

    def slow(body: dict[str, Any]) -> None:
        started.set()
        release.wait(10)
        done.append(body)

    stop = threading.Event()
    queue.send({"type": "slow"})
    runner = threading.Thread(
        target=run_worker, args=(queue, {"slow": slow}), kwargs={"stop": stop, "poll_seconds": 0.5}
    )
    runner.start()
    assert started.wait(10)
    stop.set()
    time.sleep(0.2)
    assert runner.is_alive()  # still finishing the message in hand
    release.set()
    runner.join(10)

    assert not runner.is_alive()
    assert done == [{"type": "slow"}]
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}


def test_sigterm_stops_the_worker_after_the_message_in_hand(queue: Queue) -> None:
    import os
    import signal

    from seatguard.worker.runner import stop_on_signals

    stop = threading.Event()
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    handled: list[dict[str, Any]] = []

    def handle_then_terminate(body: dict[str, Any]) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        handled.append(body)

    try:
        stop_on_signals(stop)
        queue.send({"type": "t"})
        run_worker(queue, {"t": handle_then_terminate}, stop=stop, poll_seconds=0.5)
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])

    assert stop.is_set()
    assert handled == [{"type": "t"}]
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}
