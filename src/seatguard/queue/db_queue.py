"""The database queue: jobs in the ``jobs`` table, claimed with ``FOR UPDATE SKIP LOCKED``.

Delivery is at least once. A claimed job is invisible for the visibility timeout; if its
worker neither acks nor retries it in time, it is delivered again. After ``max_attempts``
deliveries a failing job is dead-lettered (``dead = true``) and stays until redriven.

``send(..., session=s)`` writes the job in the caller's transaction (the outbox): the message
exists if and only if that transaction commits. ``ack`` marks the job done and keeps it for
``done_retention`` seconds (then a claim sweeps it away), so a ``dedupe_key`` refuses
duplicates for that long after the work was done, not only while it is pending.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.queue import job_sql
from seatguard.queue.backoff import backoff_seconds
from seatguard.queue.base import DeadJob, Message
from seatguard.queue.models import Job

POLL_INTERVAL = 0.2  # seconds between claims while long-polling an empty queue
# How often a claim first dead-letters the jobs whose last lease ran out. Such a job is never
# claimed again, so this is bookkeeping, not delivery; and the search walks every due job, so
# on every claim it would cost a deep queue more than the claim itself.
DEAD_LETTER_EVERY = timedelta(seconds=1)


class DatabaseQueue:
    def __init__(
        self,
        db: Database,
        *,
        name: str = "default",
        clock: Clock = system_clock,
        visibility_timeout: float = 30,
        max_attempts: int = 8,
        base_backoff: float = 1.0,
        max_backoff: float = 300,
        done_retention: float = 7 * 24 * 3600,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._db = db
        self.name = name
        self._clock = clock
        self._visibility = timedelta(seconds=visibility_timeout)
        self.max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._rng = rng
        self._retention = timedelta(seconds=done_retention)
        self._next_purge_at: datetime | None = None
        self._next_dead_letter_at: datetime | None = None

    # -- producing -------------------------------------------------------------------------

    def send(
        self,
        body: dict[str, Any],
        *,
        session: Session | None = None,
        dedupe_key: str | None = None,
        delay_seconds: float = 0,
    ) -> None:
        if not isinstance(body.get("type"), str):
            raise ValueError('a message body needs a string "type"')
        now = self._clock()
        row = {
            "id": uuid.uuid4(),
            "queue": self.name,
            "payload": json.dumps(body, separators=(",", ":")),
            "attempts": 0,
            "max_attempts": self.max_attempts,
            "visible_at": now + timedelta(seconds=max(0.0, delay_seconds)),
            "dead": False,
            "dedupe_key": dedupe_key,
            "created_at": now,
        }
        stmt = job_sql.INSERT["postgresql" if self._db.dialect == "postgresql" else "sqlite"]
        if session is not None:  # the outbox: in the caller's transaction
            session.execute(stmt, row)
            return
        with self._db.begin() as conn:
            conn.execute(stmt, row)

    # -- consuming -------------------------------------------------------------------------

    def receive(self, *, max_messages: int = 10, wait_seconds: float = 1.0) -> list[Message]:
        """Claim up to ``max_messages`` ready jobs, polling up to ``wait_seconds`` for some."""
        deadline = time.monotonic() + wait_seconds
        while True:
            messages = self._claim(max_messages)
            remaining = deadline - time.monotonic()
            if messages or remaining <= 0:
                return messages
            time.sleep(min(POLL_INTERVAL, remaining))

    def ack(self, message: Message) -> None:
        with self._db.begin() as conn:
            conn.execute(job_sql.ACK, {"job_id": uuid.UUID(message.id), "done": self._clock()})

    def retry(self, message: Message, *, error: str) -> None:
        """Back off and make the job visible again, or dead-letter it on its last attempt.

        Only the current claim may do this: a stale worker whose lease ran out (and whose
        job was claimed again) changes nothing.
        """
        job_id, attempts = _parse_receipt(message.receipt)
        now = self._clock()
        with self._db.unit_of_work() as s:
            job = s.scalars(
                select(Job).where(job_sql.THIS_CLAIM).with_for_update(),
                {"job_id": job_id, "job_attempts": attempts},
            ).one_or_none()
            if job is None:
                return
            job.last_error = error[:4000]
            job.locked_until = None
            if job.attempts >= job.max_attempts:
                job.dead = True
                job.dead_at = now
            else:
                delay = backoff_seconds(
                    job.attempts, base=self._base_backoff, cap=self._max_backoff, rng=self._rng
                )
                job.visible_at = now + timedelta(seconds=delay)

    @property
    def visibility_timeout(self) -> float:
        return self._visibility.total_seconds()

    def extend(self, message: Message) -> None:
        """Renew the claim for another visibility timeout (a long handler's heartbeat)."""
        job_id, attempts = _parse_receipt(message.receipt)
        lease = self._clock() + self._visibility
        params = {"job_id": job_id, "job_attempts": attempts, "lease": lease}
        with self._db.begin() as conn:
            conn.execute(job_sql.EXTEND, params)

    # -- operating -------------------------------------------------------------------------

    def depth(self) -> dict[str, int]:
        """Ready now, claimed and within their lease, waiting out a delay, dead."""
        stmt = job_sql.depth(self.name, now=self._clock())
        with self._db.reader() as s:
            ready, in_flight, invisible, dead = s.execute(stmt).one()
        return {
            "ready": ready,
            "in_flight": in_flight,
            "delayed": invisible - in_flight,
            "dead": dead,
        }

    def dead_jobs(self, *, limit: int = 100) -> list[DeadJob]:
        stmt = (
            select(Job)
            .where(Job.queue == self.name, Job.dead)
            .order_by(Job.dead_at, Job.id)
            .limit(limit)
        )
        with self._db.reader() as s:
            return [
                DeadJob(
                    id=str(j.id),
                    body=json.loads(j.payload),
                    attempts=j.attempts,
                    last_error=j.last_error,
                    dead_at=j.dead_at,
                )
                for j in s.scalars(stmt)
            ]

    def redrive_dead(self, ids: list[str] | None = None) -> int:
        """Give dead jobs (all, or those ``ids``) a fresh set of attempts; returns how many."""
        stmt = job_sql.redrive(self.name, now=self._clock(), ids=ids)
        with self._db.unit_of_work() as s:
            return job_sql.rowcount(s.execute(stmt))

    def purge_done(self, *, older_than: timedelta | None = None) -> int:
        """Delete jobs done longer ago than ``older_than`` (default: the retention)."""
        cutoff = self._clock() - (self._retention if older_than is None else older_than)
        stmt = delete(Job).where(Job.queue == self.name, Job.done_at < cutoff)
        with self._db.unit_of_work() as s:
            return job_sql.rowcount(s.execute(stmt))

    # -- internals -------------------------------------------------------------------------

    def _claim(self, limit: int) -> list[Message]:
        now = self._clock()
        if self._next_purge_at is None or now >= self._next_purge_at:
            self._next_purge_at = now + timedelta(hours=1)
            self.purge_done()
        skip_locked = self._db.dialect == "postgresql"
        params = {"job_queue": self.name, "job_now": now, "job_lease": now + self._visibility}
        with self._db.begin() as conn:
            if self._next_dead_letter_at is None or now >= self._next_dead_letter_at:
                self._next_dead_letter_at = now + DEAD_LETTER_EVERY
                conn.execute(job_sql.dead_letter_timed_out(skip_locked=skip_locked), params)
            rows = list(conn.execute(job_sql.claim(limit=limit, skip_locked=skip_locked), params))
        rows.sort(key=lambda r: (r.created_at, str(r.id)))
        return [
            Message(
                id=str(r.id),
                body=json.loads(r.payload),
                attempts=r.attempts,
                receipt=f"{r.id}:{r.attempts}",
            )
            for r in rows
        ]


def _parse_receipt(receipt: str) -> tuple[uuid.UUID, int]:
    job_id, _, attempts = receipt.partition(":")
    return uuid.UUID(job_id), int(attempts)
