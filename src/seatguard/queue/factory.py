"""Pick the queue adapter from settings: ``QUEUE_URL=db`` (default) or an SQS queue URL."""

from __future__ import annotations

from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.queue.base import Queue
from seatguard.settings import Settings


def build_queue(
    settings: Settings, db: Database, *, name: str = "default", clock: Clock = system_clock
) -> Queue:
    url = settings.queue_url.strip()
    if url.startswith(("http://", "https://")):
        from seatguard.queue.sqs_queue import SqsQueue

        return SqsQueue(
            url,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url or None,
            visibility_timeout=round(settings.queue_visibility_timeout),
            db=db,
            clock=clock,
        )
    if url in ("", "db", "database"):
        from seatguard.queue.db_queue import DatabaseQueue

        return DatabaseQueue(
            db,
            name=name,
            clock=clock,
            visibility_timeout=settings.queue_visibility_timeout,
            max_attempts=settings.queue_max_attempts,
        )
    raise ValueError(f"QUEUE_URL must be 'db' or an SQS queue URL, not {url!r}")
