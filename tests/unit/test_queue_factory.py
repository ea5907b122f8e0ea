"""Choosing the queue adapter from settings."""

from __future__ import annotations

import pytest

from seatguard.common.db import Database
from seatguard.queue.db_queue import DatabaseQueue
from seatguard.queue.factory import build_queue
from seatguard.queue.sqs_queue import SqsQueue
from seatguard.settings import Settings


@pytest.fixture
def db() -> Database:
    return Database("sqlite://")


def test_default_is_the_database_queue(db: Database) -> None:
    queue = build_queue(Settings(env="test", queue_max_attempts=4), db)
    assert isinstance(queue, DatabaseQueue)
    assert queue.max_attempts == 4


def test_an_sqs_url_gives_the_sqs_adapter(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "http://127.0.0.1:4566/000000000000/seatguard.fifo"
    monkeypatch.setenv("SQS_QUEUE_URL", url)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    queue = build_queue(Settings(env="test"), db)
    assert isinstance(queue, SqsQueue)
    assert queue.queue_url == url
    assert queue.fifo


def test_anything_else_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="QUEUE_URL"):
        build_queue(Settings(env="test", queue_url="redis://localhost"), db)
