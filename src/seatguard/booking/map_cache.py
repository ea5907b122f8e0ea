"""Each process keeps the seat map of recent events and applies the announced changes to it.

A stadium's map is 100,000 seats, some 20 MB of JSON: reading the event for every change of a
live sale costs seconds a time. An event is read once (``load``); from then on every change
the live feed hears (``apply``: a seat's new status and hold end) is applied to the kept map
(``KeptMap``), and the map (gzip only) written again from it, not from the database. The
guarantees:

- A written map is the map a fresh read would give at the moment it was written, given the
  changes heard by then: announcements carry each seat's state, are delivered in commit order,
  and the ones heard while the event is read are applied after the read (a change applied
  twice gives the same state). A seat the map does not know drops the kept map.
- A small map (up to ``_WRITE_INLINE`` seats) is written again on the first read after a
  change, so it is never served stale. A bigger one is written at most once per
  ``rewrite_after`` seconds, off the event loop, one write at a time in the process: a read
  is served the last written map (with its own ETag) while it is younger than that interval;
  one up to twice the interval old is still served while its successor is written; anything
  older makes the reader wait for the write. So a read may show a map up to
  2 × ``rewrite_after`` old, never older, and never one that mixes two moments.
- Holds that run out unannounced: every write drops the holds past ``now``, and a small map
  is written again once its earliest hold has run out (``fresh_until``).
- At most one read of the database per event is in flight; a change heard meanwhile is
  queued for it, not a reason for another read.
- The feed is listening (``trusted``): while it reconnects, changes may go unheard, so every
  read goes to the database, and the feed empties the cache once it is back
  (``invalidate_all``).

Which seat is whose is decided by the hold statement, never by this map.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from seatguard.booking.kept_map import FAST, KeptMap, MapWriter, Taken, compressed
from seatguard.booking.seatmap import LOCKED, MapSeat, RowSink, seats_json

__all__ = ["SeatMapCache", "Taken", "WrittenMap", "write_map", "write_soon"]

DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # a stadium's kept map is some 30 MB
DEFAULT_REWRITE_AFTER = 1.0  # seconds
_WRITE_INLINE = 5000  # seats; bigger maps are written and compressed off the event loop
_UNPACK_CHUNK = 32 * 1024  # gzip bytes unpacked at a time for a reader that takes no gzip
_GZIP = 31  # zlib's wbits for a gzip stream


@dataclass(frozen=True, slots=True, kw_only=True)
class WrittenMap:
    """A written map as readers get it: gzip only (the plain JSON is 7 times its size and
    rarely asked for, so ``body`` unpacks it on demand)."""

    gzipped: bytes
    etag: str
    fresh_until: datetime | None  # the earliest running hold's expiry: stale from then on
    taken: tuple[Taken, ...]  # what a live stream needs of it: the seats not AVAILABLE

    @property
    def size(self) -> int:
        return len(self.gzipped)

    def body(self) -> bytes:
        """The map's JSON."""
        return gzip.decompress(self.gzipped)

    def body_chunks(self, packed: int = _UNPACK_CHUNK) -> Iterator[bytes]:
        """The map's JSON in pieces, unpacked from ``packed`` gzip bytes at a time (some 8 times
        that each): a stadium's 21 MB JSON is never held at once."""
        unpack = zlib.decompressobj(_GZIP)
        view = memoryview(self.gzipped)
        for start in range(0, len(view), packed):
            piece = unpack.decompress(view[start : start + packed])
            if piece:
                yield piece
        rest = unpack.flush()
        if rest:
            yield rest


def written(packed: tuple[bytes, str], taken: tuple[Taken, ...]) -> WrittenMap:
    holds = [until for _, status, until in taken if status == LOCKED and until is not None]
    gzipped, etag = packed
    return WrittenMap(gzipped=gzipped, etag=etag, fresh_until=min(holds, default=None), taken=taken)


def write_map(seats: list[MapSeat]) -> WrittenMap:
    """A fresh read's map, written from ``MapSeat``s (the reference the kept map is held to)."""
    taken = tuple((s.id, s.status, s.held_until) for s in seats if s.status != "AVAILABLE")
    return written(compressed([seats_json(seats)]), taken)


async def write_soon(load: Loader, now: datetime) -> WrittenMap:
    """The map ``load`` reads, at ``now``, written without keeping it."""
    return (await _keep(load, now))[1]


async def _keep(load: Loader, now: datetime) -> tuple[KeptMap, WrittenMap]:
    """Read the map into a ``KeptMap`` as its rows arrive, and write it (a big one off the
    event loop)."""
    writer = MapWriter(now)
    await load(writer.add)
    kept = writer.finish()
    if len(kept) <= _WRITE_INLINE:
        return kept, _first(kept, now)
    return kept, await run_in_threadpool(_first, kept, now)


def _first(kept: KeptMap, now: datetime) -> WrittenMap:
    taken = kept.snapshot(now)
    return written(kept.write(taken), taken)


# Reads an event's map into the sink it is given, in chunks (see ``seatmap.RowSink``).
Loader = Callable[[RowSink], Awaitable[None]]
Change = tuple[uuid.UUID, str, datetime | None]  # seat, announced status, hold end


@dataclass(slots=True, eq=False)
class _Entry:
    kept: KeptMap | None = None  # None while the event is being read
    written: WrittenMap | None = None
    reading: asyncio.Future[WrittenMap] | None = None
    heard: list[Change] = field(default_factory=list)  # while reading
    version: int = 0  # changes applied
    written_version: int = 0
    written_at: float = 0.0  # time.monotonic() of the write's snapshot
    writing: concurrent.futures.Future[None] | None = None

    @property
    def size(self) -> int:
        kept = self.kept.size if self.kept is not None else 0
        return kept + (self.written.size if self.written is not None else 0)


class SeatMapCache:
    """Kept seat maps by event; ``apply`` and ``invalidate`` may be called from any thread."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[uuid.UUID, _Entry] = OrderedDict()
        self._writer = concurrent.futures.ThreadPoolExecutor(1, "seat-map-writer")
        self._max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self.reads = 0  # of the database, per event
        self.rewrites = 0  # from a kept map

    # -- what the feed tells it -----------------------------------------------------------

    def apply(self, event_id: uuid.UUID, changes: Iterable[Change]) -> None:
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is None:
                return  # not kept: its next read reads the database
            if entry.kept is None:
                entry.heard.extend(changes)
                return
            for seat_id, status, until in changes:
                if not entry.kept.apply(seat_id, status, until):
                    self._drop(event_id)
                    return
            entry.version += 1

    def touched(self, event_id: uuid.UUID) -> None:
        """This process changed seats of ``event_id``; their announcement is on its way. A
        small map is dropped (read again at once: a buyer sees their own hold); a big one
        waits for the announcement (it may be a moment old anyway)."""
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is not None and entry.kept is not None and len(entry.kept) > _WRITE_INLINE:
                return
            self._drop(event_id)

    def invalidate(self, event_id: uuid.UUID) -> None:
        with self._lock:
            self._drop(event_id)

    def invalidate_all(self) -> None:
        with self._lock:
            self._entries.clear()

    def _drop(self, event_id: uuid.UUID) -> None:
        self._entries.pop(event_id, None)  # a read in flight will not be kept

    # -- reads ----------------------------------------------------------------------------

    def cached(self, event_id: uuid.UUID, *, now: datetime) -> WrittenMap | None:
        """The written map of ``event_id`` if it is still the kept map at ``now``."""
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is None or entry.written is None or _stale(entry, now):
                return None
            return entry.written

    def taken_now(self, event_id: uuid.UUID, *, now: datetime) -> tuple[Taken, ...] | None:
        """The kept map's seats that are not AVAILABLE, with every change heard so far."""
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is None or entry.kept is None:
                return None
            return entry.kept.snapshot(now)

    async def get(
        self,
        event_id: uuid.UUID,
        *,
        now: datetime,
        load: Loader,
        trusted: bool = True,
        rewrite_after: float = DEFAULT_REWRITE_AFTER,
    ) -> WrittenMap:
        """The written map of ``event_id`` at ``now`` (see the module's guarantees)."""
        if not trusted:
            return await write_soon(load, now)
        loop = asyncio.get_running_loop()
        waiting: concurrent.futures.Future[None] | None = None
        with self._lock:
            entry = self._entries.get(event_id)
            reading = entry.reading if entry is not None else None
            if reading is not None and reading.get_loop().is_closed():
                entry = None  # its reader's loop is gone: read again
            mine = entry is None
            if entry is None:
                entry = self._entries[event_id] = _Entry(reading=loop.create_future())
            self._entries.move_to_end(event_id)
            reading = entry.reading
            if mine:
                pass
            elif reading is None:
                assert entry.kept is not None
                assert entry.written is not None
                if not _stale(entry, now):
                    self.hits += 1
                    return entry.written
                if len(entry.kept) <= _WRITE_INLINE:
                    self.misses += 1
                    return self._rewrite_now(entry, now)
                waiting = self._rewrite_later(entry, now, rewrite_after)
                if waiting is None:
                    self.hits += 1
                    return entry.written
        if mine:
            return await self._read(event_id, entry, now=now, load=load)
        if reading is not None:  # the event is being read: wait for that read
            self.misses += 1
            if reading.get_loop() is loop:
                return await asyncio.shield(reading)
            return await write_soon(load, now)  # another loop's read: not to be awaited
        assert waiting is not None
        await asyncio.wrap_future(waiting)
        with self._lock:
            assert entry.written is not None
            return entry.written

    async def _read(
        self, event_id: uuid.UUID, entry: _Entry, *, now: datetime, load: Loader
    ) -> WrittenMap:
        """Read the event (the one read in flight for it) and keep it."""
        self.misses += 1
        self.reads += 1
        reading = entry.reading
        assert reading is not None
        try:
            kept, first = await _keep(load, now)
        except BaseException as exc:
            with self._lock:
                if self._entries.get(event_id) is entry:
                    self._drop(event_id)
            reading.set_exception(exc)
            reading.exception()  # retrieved: waiters get it, nobody is warned about it
            raise
        with self._lock:
            entry.kept, entry.written, entry.reading = kept, first, None
            entry.written_at = time.monotonic()
            if self._entries.get(event_id) is entry:  # else dropped meanwhile: not kept
                for seat_id, status, until in entry.heard:
                    if not kept.apply(seat_id, status, until):
                        self._drop(event_id)
                        break
                if entry.heard:
                    entry.version += 1  # heard while reading: the next read writes it
                    entry.heard = []
                self._evict()
        reading.set_result(first)
        return first

    def _rewrite_now(self, entry: _Entry, now: datetime) -> WrittenMap:
        """Write a small map again at once (under the lock)."""
        assert entry.kept is not None
        self.rewrites += 1
        taken = entry.kept.snapshot(now)
        entry.written = written(entry.kept.write(taken, FAST), taken)
        entry.written_version, entry.written_at = entry.version, time.monotonic()
        return entry.written

    def _rewrite_later(
        self, entry: _Entry, now: datetime, rewrite_after: float
    ) -> concurrent.futures.Future[None] | None:
        """Start writing a big map again when its interval has passed (under the lock); the
        write to wait for when the map served is too old to serve, else None."""
        age = time.monotonic() - entry.written_at
        if entry.writing is None and age >= rewrite_after:
            assert entry.kept is not None
            taken, version = entry.kept.snapshot(now), entry.version
            entry.writing = self._writer.submit(self._write, entry, entry.kept, taken, version)
        if entry.writing is not None and age >= 2 * rewrite_after:
            return entry.writing
        return None

    def _write(self, entry: _Entry, kept: KeptMap, taken: tuple[Taken, ...], version: int) -> None:
        started = time.monotonic()
        try:
            fresh = written(kept.write(taken, FAST), taken)
        except BaseException:
            with self._lock:
                entry.writing = None
            raise
        with self._lock:
            self.rewrites += 1
            entry.written, entry.written_version, entry.written_at = fresh, version, started
            entry.writing = None

    def _evict(self) -> None:
        total = sum(e.size for e in self._entries.values())
        while total > self._max_bytes and len(self._entries) > 1:
            _, oldest = self._entries.popitem(last=False)
            total -= oldest.size


def _stale(entry: _Entry, now: datetime) -> bool:
    assert entry.written is not None
    until = entry.written.fresh_until
    return entry.version != entry.written_version or (until is not None and until <= now)
