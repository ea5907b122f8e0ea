"""Many workers, one database queue: every message is delivered to exactly one of them."""

from __future__ import annotations

import threading
from collections import Counter

from seatguard.common.db import Database
from seatguard.queue.db_queue import DatabaseQueue

MESSAGES = 200
CONSUMERS = 8


def test_concurrent_consumers_each_get_every_message_exactly_once(db: Database) -> None:
    producer = DatabaseQueue(db)
    for n in range(MESSAGES):
        producer.send({"type": "t", "n": n})

    seen: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(CONSUMERS)
    errors: list[BaseException] = []

    def consume() -> None:
        queue = DatabaseQueue(db, visibility_timeout=120)
        start.wait()
        try:
            while batch := queue.receive(max_messages=5, wait_seconds=0):
                for message in batch:
                    with lock:
                        seen[message.body["n"]] += 1
                    queue.ack(message)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=consume) for _ in range(CONSUMERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert sorted(seen) == list(range(MESSAGES))
    assert set(seen.values()) == {1}
    assert producer.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}
