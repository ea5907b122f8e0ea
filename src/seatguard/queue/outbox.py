"""The transactional outbox: messages for SQS written in the caller's transaction, then relayed.

SQS cannot join a database transaction, so ``add`` writes the message as an ``outbox`` row
in the same transaction as the state change that caused it: the message exists if and only
if that change commits. A relay claims due rows, sends them and stamps ``sent_at``:

- a claim pushes ``available_at`` one lease ahead (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
  the writer lock on SQLite), so several relays never send the same row at the same time;
- a failed send puts the row back with exponential backoff, without limit: an SQS outage
  delays messages, it never drops them;
- a relay that dies after sending but before stamping leaves the row to be sent again when
  its lease runs out: the error is on the side of a duplicate (FIFO queues drop it by its
  deduplication id, the row id; consumers are idempotent anyway), never of a loss.

After a commit the process's relay is woken at once (or, where none runs, a short-lived
thread sends the new rows), so delivery normally takes one round trip, not a poll interval.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, delete, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.queue import job_sql
from seatguard.queue.backoff import backoff_seconds
from seatguard.queue.models import OutboxMessage

log = logging.getLogger("seatguard.queue.outbox")

BATCH = 10  # SendMessageBatch's ceiling
_PENDING = "seatguard.outbox_pending"


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    id: str  # the outbox row id (hex): batch entry id and FIFO deduplication fallback
    body: str
    group_id: str | None
    dedupe_key: str | None
    attempts: int  # sends tried so far, this one included


# Sends a batch; returns {envelope id: error} for the entries that failed, raises if all did.
Transport = Callable[[Sequence[Envelope]], dict[str, str]]


class Outbox:
    def __init__(
        self,
        db: Database,
        *,
        destination: str,
        transport: Transport,
        clock: Clock = system_clock,
        lease_seconds: float = 60,
        base_backoff: float = 1.0,
        max_backoff: float = 60,
        retention: timedelta = timedelta(days=7),
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self.database = db
        self.destination = destination
        self._transport = transport
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._retention = retention
        self._rng = rng
        self._wake = threading.Event()
        self._relays = 0  # relay loops running in this process
        self._next_purge_at: datetime | None = None

    # -- writing ---------------------------------------------------------------------------

    def add(
        self,
        session: Session,
        *,
        body: str,
        group_id: str | None = None,
        dedupe_key: str | None = None,
        delay_seconds: float = 0,
    ) -> None:
        """Write the message in ``session``'s transaction; relayed once that commits."""
        now = self._clock()
        dialect = postgresql if self._db.dialect == "postgresql" else sqlite
        row = {
            "id": uuid.uuid4(),
            "destination": self.destination,
            "body": body,
            "group_id": group_id,
            "dedupe_key": dedupe_key,
            "attempts": 0,
            "available_at": now + timedelta(seconds=max(0.0, delay_seconds)),
            "created_at": now,
        }
        session.execute(dialect.insert(OutboxMessage).values(**row).on_conflict_do_nothing())
        _after_commit(session, self)

    # -- relaying --------------------------------------------------------------------------

    def deliver(self, *, limit: int = BATCH) -> int:
        """Claim up to ``limit`` due rows and send them; returns how many were sent."""
        claimed = self._claim(limit)
        if not claimed:
            return 0
        try:
            failed = self._transport(claimed)
        except Exception as exc:  # the queue is unreachable: every row waits for its backoff
            failed = {e.id: f"{type(exc).__name__}: {exc}" for e in claimed}
        sent = [uuid.UUID(e.id) for e in claimed if e.id not in failed]
        now = self._clock()
        with self._db.unit_of_work() as s:
            if sent:
                s.execute(_mark_sent(sent, now=now))
            for entry in claimed:
                if entry.id in failed:
                    s.execute(self._put_back(entry, error=failed[entry.id], now=now))
        if failed:
            log.warning("outbox: %d of %d messages not sent yet", len(failed), len(claimed))
        return len(sent)

    def drain(self) -> int:
        """Send every due row (batch after batch); returns how many were sent."""
        total = 0
        while (sent := self.deliver()) > 0:
            total += sent
        return total

    def run(self, stop: threading.Event, *, interval: float = 1.0) -> None:
        """Relay until ``stop`` is set, woken by local commits, else every ``interval``."""
        self._relays += 1
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    self.drain()
                    self._purge_now_and_then()
                except Exception:  # the database is down for a moment: try again later
                    log.exception("outbox relay pass failed")
                self._wake.wait(interval)
        finally:
            self._relays -= 1

    def wake(self) -> None:
        """A commit added rows: have them relayed now."""
        if self._relays > 0:
            self._wake.set()
            return
        threading.Thread(target=self._deliver_quietly, name="outbox-send", daemon=True).start()

    def pending(self) -> int:
        """Rows not sent yet (due or waiting out a backoff)."""
        stmt = select(func.count()).where(
            OutboxMessage.destination == self.destination, OutboxMessage.sent_at.is_(None)
        )
        with self._db.reader() as s:
            return int(s.scalar(stmt) or 0)

    def purge_sent(self) -> int:
        cutoff = self._clock() - self._retention
        stmt = delete(OutboxMessage).where(
            OutboxMessage.destination == self.destination, OutboxMessage.sent_at < cutoff
        )
        with self._db.unit_of_work() as s:
            return job_sql.rowcount(s.execute(stmt))

    # -- internals -------------------------------------------------------------------------

    def _claim(self, limit: int) -> list[Envelope]:
        now = self._clock()
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.destination == self.destination,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.available_at <= now,
            )
            .order_by(OutboxMessage.available_at, OutboxMessage.created_at)
            .limit(limit)
        )
        if self._db.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(attempts=OutboxMessage.attempts + 1, available_at=now + self._lease)
            .returning(
                OutboxMessage.id,
                OutboxMessage.body,
                OutboxMessage.group_id,
                OutboxMessage.dedupe_key,
                OutboxMessage.attempts,
                OutboxMessage.created_at,
            )
            .execution_options(synchronize_session=False)
        )
        with self._db.unit_of_work() as s:
            rows = sorted(s.execute(stmt), key=lambda r: (r.created_at, str(r.id)))
        return [
            Envelope(
                id=r.id.hex,
                body=r.body,
                group_id=r.group_id,
                dedupe_key=r.dedupe_key,
                attempts=r.attempts,
            )
            for r in rows
        ]

    def _put_back(self, entry: Envelope, *, error: str, now: datetime) -> Update:
        tries = entry.attempts
        cap = self._max_backoff
        delay = backoff_seconds(tries, base=self._base_backoff, cap=cap, rng=self._rng)
        if tries in (1, 10, 100) or tries % 1000 == 0:  # an operator alert, not a flood
            log.error("outbox message %s not sent after %d tries: %s", entry.id, tries, error)
        return (
            update(OutboxMessage)
            .where(OutboxMessage.id == uuid.UUID(entry.id), OutboxMessage.sent_at.is_(None))
            .values(available_at=now + timedelta(seconds=delay), last_error=error[:4000])
        )

    def _deliver_quietly(self) -> None:
        try:
            self.drain()
        except Exception:  # a relay elsewhere (or the next commit) picks the rows up
            log.warning("outbox send after commit failed", exc_info=True)

    def _purge_now_and_then(self) -> None:
        now = self._clock()
        if self._next_purge_at is None or now >= self._next_purge_at:
            self._next_purge_at = now + timedelta(hours=1)
            self.purge_sent()


def _mark_sent(ids: list[uuid.UUID], *, now: datetime) -> Update:
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None))
        .values(sent_at=now, last_error=None)
    )


def _after_commit(session: Session, outbox: Outbox) -> None:
    """Wake ``outbox``'s relay when ``session`` commits (nothing happens on rollback)."""
    pending: set[Outbox] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = set()
        _listen(session)
    pending.add(outbox)


def _listen(session: Session) -> None:
    def woken(s: Session) -> None:
        woke, s.info[_PENDING] = s.info[_PENDING], set()
        for outbox in woke:
            outbox.wake()

    def ended(s: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            s.info[_PENDING] = set()

    event.listen(session, "after_commit", woken)
    event.listen(session, "after_transaction_end", ended)
