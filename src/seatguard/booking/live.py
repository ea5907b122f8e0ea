"""Live seat changes: announced inside the unit of work, delivered only once it commits.

``announce(session, changes)`` is called where seats change (holds, releases, sales, expiry).
On PostgreSQL it issues ``pg_notify('seat_changes', …)`` in the same transaction, so the
notification exists only if the change commits, and one listener thread per process (its own
psycopg connection, reconnecting on failure) hands every replica's changes to that process's
``SeatFeed``. On SQLite (one process) the changes are published in-process after commit.
Subscribers (the seat-map streams) get per-event asyncio queues; a subscriber that falls
behind, or a listener that reconnected, is told to resynchronise from the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from seatguard.booking.holds import Hold, SeatChange
from seatguard.booking.map_cache import SeatMapCache
from seatguard.common.db import Database

log = logging.getLogger("seatguard.live")

CHANNEL: Final = "seat_changes"
_PER_NOTIFY = 50  # keeps each payload well under PostgreSQL's 8000-byte limit
_PENDING = "seatguard.live.pending"


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatUpdate:
    """What a subscriber receives: a seat's new status (and, for holds, when they run out)."""

    seat_id: uuid.UUID
    status: str
    held_until: datetime | None = None


class Resync:
    """Delivered instead of updates when some may have been lost: re-read the seat map."""


RESYNC: Final = Resync()
Item = list[SeatUpdate] | Resync


class Subscription:
    """One subscriber's queue; filled from any thread, read on its event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, maxsize: int) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=maxsize)

    def offer(self, item: Item) -> None:
        with suppress(RuntimeError):  # a closed loop: the subscriber is gone
            self._loop.call_soon_threadsafe(self._put, item)

    def _put(self, item: Item) -> None:
        if self._queue.full():  # too slow: drop the backlog, ask for a fresh map instead
            while not self._queue.empty():
                self._queue.get_nowait()
            item = RESYNC
        self._queue.put_nowait(item)

    async def get(self, timeout: float) -> Item | None:
        """The next item, or None when ``timeout`` seconds pass without one."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout=max(timeout, 0.0))
        except TimeoutError:
            return None


class SeatFeed:
    """Per-event fan-out of seat updates to the subscribers of this process, and the seat
    maps this process keeps (``maps``), to which every update is applied first."""

    def __init__(self, *, max_queue: int = 1000) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[uuid.UUID, set[Subscription]] = {}
        self._max_queue = max_queue
        self.ready = threading.Event()  # set once changes are being received
        self.ready.set()
        self.maps = SeatMapCache()

    def publish(self, changes: list[SeatChange], *, held_until: datetime | None = None) -> None:
        updates: dict[uuid.UUID, list[SeatUpdate]] = {}
        for c in changes:
            until = (c.held_until or held_until) if c.status == "LOCKED" else None
            updates.setdefault(c.event_id, []).append(
                SeatUpdate(seat_id=c.seat_id, status=c.status, held_until=until)
            )
        for event_id, batch in updates.items():
            self.deliver(event_id, batch)

    def deliver(self, event_id: uuid.UUID, updates: list[SeatUpdate]) -> None:
        self.maps.apply(event_id, [(u.seat_id, u.status, u.held_until) for u in updates])
        with self._lock:
            targets = list(self._subscribers.get(event_id, ()))
        for sub in targets:
            sub.offer(list(updates))

    def resync_all(self) -> None:
        self.maps.invalidate_all()
        with self._lock:
            targets = [s for subs in self._subscribers.values() for s in subs]
        for sub in targets:
            sub.offer(RESYNC)

    def subscribe(self, event_id: uuid.UUID) -> Subscription:
        """Subscribe from a running event loop; call ``unsubscribe`` when done."""
        sub = Subscription(asyncio.get_running_loop(), maxsize=self._max_queue)
        with self._lock:
            self._subscribers.setdefault(event_id, set()).add(sub)
        return sub

    def unsubscribe(self, event_id: uuid.UUID, sub: Subscription) -> None:
        with self._lock:
            subs = self._subscribers.get(event_id, set())
            subs.discard(sub)
            if not subs:
                self._subscribers.pop(event_id, None)

    def subscriber_count(self, event_id: uuid.UUID) -> int:
        with self._lock:
            return len(self._subscribers.get(event_id, ()))

    def close(self) -> None:
        """Stop receiving (the PostgreSQL feed overrides this)."""


class PostgresSeatFeed(SeatFeed):
    """A SeatFeed fed by one LISTEN connection of its own."""

    def __init__(self, conninfo: str, *, max_queue: int = 1000) -> None:
        super().__init__(max_queue=max_queue)
        self.ready.clear()
        self._conninfo = conninfo
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="seat-listener", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _listen(self) -> None:
        backoff, connected_before = 0.2, False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    if connected_before:  # notifications sent while away are lost
                        self.resync_all()
                    connected_before, backoff = True, 0.2
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._receive(note.payload)
            except Exception as exc:  # the database went away: reconnect with backoff
                self.ready.clear()
                log.warning("seat listener lost its connection: %s", exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def _receive(self, payload: str) -> None:
        try:
            event_id, updates = decode(payload)
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed seat notification")
            return
        self.deliver(event_id, updates)


def encode(changes: list[SeatChange], held_until: datetime | None) -> list[str]:
    """pg_notify payloads, one event per payload, at most ``_PER_NOTIFY`` seats each."""
    by_event: dict[uuid.UUID, list[list[Any]]] = {}
    for c in changes:
        end = c.held_until or held_until
        until = end.isoformat() if end and c.status == "LOCKED" else None
        by_event.setdefault(c.event_id, []).append([str(c.seat_id), c.status, until])
    payloads = []
    for event_id, rows in by_event.items():
        for i in range(0, len(rows), _PER_NOTIFY):
            chunk = rows[i : i + _PER_NOTIFY]
            payloads.append(json.dumps({"e": str(event_id), "c": chunk}, separators=(",", ":")))
    return payloads


def decode(payload: str) -> tuple[uuid.UUID, list[SeatUpdate]]:
    body = json.loads(payload)
    return uuid.UUID(body["e"]), [
        SeatUpdate(
            seat_id=uuid.UUID(sid),
            status=str(status),
            held_until=datetime.fromisoformat(until) if until else None,
        )
        for sid, status, until in body["c"]
    ]


# -- one feed per database per process -------------------------------------------------------

_feeds: dict[str, SeatFeed] = {}
_feeds_lock = threading.Lock()


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def feed_for(db: Database) -> SeatFeed:
    """This process's feed for ``db`` (on PostgreSQL, starts its listener the first time)."""
    key = _key(db.engine)
    with _feeds_lock:
        feed = _feeds.get(key)
        if feed is None:
            if db.dialect == "postgresql":
                conninfo = db.engine.url.set(drivername="postgresql")
                feed = PostgresSeatFeed(conninfo.render_as_string(hide_password=False))
            else:
                feed = SeatFeed()
            _feeds[key] = feed
        return feed


def touched(db: Database, event_ids: Iterable[uuid.UUID]) -> None:
    """This process changed seats of ``event_ids`` (committed), and the notification is on its
    way back through the listener: small kept maps are forgotten now (``SeatMapCache.touched``)."""
    feed = _feeds.get(_key(db.engine))
    if feed is not None:
        for event_id in event_ids:
            feed.maps.touched(event_id)


def publish(db: Database, changes: list[SeatChange], *, held_until: datetime | None = None) -> None:
    """Hand committed ``changes`` made outside a unit of work (SQLite's writer connection) to
    this process's feed, as a unit of work's commit does."""
    feed = _feeds.get(_key(db.engine))
    if feed is not None and changes:
        feed.publish(changes, held_until=held_until)


def close_feed(db: Database) -> None:
    with _feeds_lock:
        feed = _feeds.pop(_key(db.engine), None)
    if feed is not None:
        feed.close()


def hold_changes(hold: Hold) -> list[SeatChange]:
    ends = hold.held_until or (None,) * len(hold.seat_ids)
    return [
        SeatChange(event_id=hold.event_id, seat_id=s, status="LOCKED", held_until=end)
        for s, end in zip(hold.seat_ids, ends, strict=True)
    ]


def sold(event_id: uuid.UUID, seat_ids: Iterable[uuid.UUID]) -> list[SeatChange]:
    return [SeatChange(event_id=event_id, seat_id=s, status="SOLD") for s in seat_ids]


def freed(event_id: uuid.UUID, seat_ids: Iterable[uuid.UUID]) -> list[SeatChange]:
    return [SeatChange(event_id=event_id, seat_id=s, status="AVAILABLE") for s in seat_ids]


def announce(
    session: Session, changes: list[SeatChange], *, held_until: datetime | None = None
) -> None:
    """Make ``changes`` known to live seat maps once ``session``'s transaction commits."""
    if not changes:
        return
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if engine.dialect.name == "postgresql":
        for payload in encode(changes, held_until):
            session.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": payload})
    pending = session.info.setdefault(_PENDING, (_key(engine), []))
    pending[1].append((list(changes), held_until))


# Registered once for every session (a listener per session costs more than the hold's
# own statements): a commit publishes what its transaction announced (on PostgreSQL the
# listener delivers it; this process only forgets its small kept maps at once), a rollback
# drops it.
@event.listens_for(Session, "after_commit")
def _publish_announced(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    key, batches = pending
    feed = _feeds.get(key)
    if feed is None:  # nobody in this process is watching
        return
    if not isinstance(feed, PostgresSeatFeed):
        for batch, until in batches:
            feed.publish(batch, held_until=until)
        return
    for event_id in {c.event_id for batch, _ in batches for c in batch}:
        feed.maps.touched(event_id)


@event.listens_for(Session, "after_rollback")
def _drop_announced(session: Session) -> None:
    session.info.pop(_PENDING, None)
