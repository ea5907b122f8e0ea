"""Each process keeps the written seat map of recent events until one of its seats changes.

A stadium's map is 100,000 seats, some 20 MB of JSON: reading and writing it for every
buyer who opens the page costs far more than sending bytes kept from the last time. An
entry is served only while all of these hold:

- no change of the event was announced since its read began (``invalidate``, called by the
  live feed for every change any process announces, and by this process's own writes);
- the clock is before the earliest ``heldUntil`` in it (a hold that runs out changes the map
  without anyone announcing it);
- the feed is listening (``trusted``): while it reconnects, changes may go unheard, so every
  read goes to the database, and the feed empties the cache once it is back.

Each entry keeps its gzip-compressed bytes and a weak ETag (the same for both encodings).
Concurrent misses for one event share one read. Entries are evicted oldest-first past
``max_bytes``.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import itertools
import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from seatguard.booking.seatmap import AVAILABLE, LOCKED, MapSeat, seats_json

DEFAULT_MAX_BYTES = 96 * 1024 * 1024
_WRITE_INLINE = 5000  # seats; bigger maps are written and compressed off the event loop


Taken = tuple[uuid.UUID, str, datetime | None]  # a seat that is not AVAILABLE: status, hold end


@dataclass(frozen=True, slots=True, kw_only=True)
class WrittenMap:
    body: bytes
    gzipped: bytes
    etag: str
    fresh_until: datetime | None  # the earliest running hold's expiry: stale from then on
    stamp: tuple[int, int]  # (all-events epoch, event epoch) when its read began
    taken: tuple[Taken, ...]  # what a live stream needs of it: the seats not AVAILABLE

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped)


def write_map(seats: list[MapSeat], *, stamp: tuple[int, int] = (0, 0)) -> WrittenMap:
    body = seats_json(seats)
    holds = [s.held_until for s in seats if s.status == LOCKED and s.held_until is not None]
    return WrittenMap(
        body=body,
        gzipped=gzip.compress(body, compresslevel=1, mtime=0),  # rebuilt often: speed first
        etag='W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"',
        fresh_until=min(holds, default=None),
        stamp=stamp,
        taken=tuple((s.id, s.status, s.held_until) for s in seats if s.status != AVAILABLE),
    )


async def write_soon(seats: list[MapSeat], *, stamp: tuple[int, int] = (0, 0)) -> WrittenMap:
    if len(seats) <= _WRITE_INLINE:
        return write_map(seats, stamp=stamp)
    return await run_in_threadpool(functools.partial(write_map, seats, stamp=stamp))


Loader = Callable[[], Awaitable[list[MapSeat]]]


class SeatMapCache:
    """Written seat maps by event; ``invalidate`` may be called from any thread."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._ticks = itertools.count(1)
        self._all_epoch = 0
        self._epochs: dict[uuid.UUID, int] = {}
        self._entries: OrderedDict[uuid.UUID, WrittenMap] = OrderedDict()
        self._reads: dict[tuple[uuid.UUID, tuple[int, int]], asyncio.Future[WrittenMap]] = {}
        self._max_bytes = max_bytes
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def invalidate(self, event_id: uuid.UUID) -> None:
        with self._lock:
            self._epochs[event_id] = next(self._ticks)
            self._drop(event_id)

    def invalidate_all(self) -> None:
        with self._lock:
            self._all_epoch = next(self._ticks)
            self._epochs.clear()
            self._entries.clear()
            self._bytes = 0

    def _stamp(self, event_id: uuid.UUID) -> tuple[int, int]:
        return (self._all_epoch, self._epochs.get(event_id, 0))

    def _drop(self, event_id: uuid.UUID) -> None:
        old = self._entries.pop(event_id, None)
        if old is not None:
            self._bytes -= old.size

    def cached(self, event_id: uuid.UUID, *, now: datetime) -> WrittenMap | None:
        """The entry for ``event_id`` if it is still the map at ``now``."""
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is None:
                return None
            if entry.stamp != self._stamp(event_id) or (
                entry.fresh_until is not None and entry.fresh_until <= now
            ):
                self._drop(event_id)
                return None
            self._entries.move_to_end(event_id)
            return entry

    async def get(
        self, event_id: uuid.UUID, *, now: datetime, load: Loader, trusted: bool = True
    ) -> WrittenMap:
        """The written map of ``event_id`` at ``now``: kept, or read by ``load`` once."""
        if not trusted:
            return await write_soon(await load())
        entry = self.cached(event_id, now=now)
        if entry is not None:
            self.hits += 1
            return entry
        self.misses += 1
        with self._lock:
            stamp = self._stamp(event_id)
        key = (event_id, stamp)
        pending = self._reads.get(key)
        if pending is not None:
            written = await asyncio.shield(pending)
            return written if _fresh(written, now) else await write_soon(await load())
        future: asyncio.Future[WrittenMap] = asyncio.get_running_loop().create_future()
        self._reads[key] = future
        try:
            written = await write_soon(await load(), stamp=stamp)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, nobody is warned about it
            raise
        else:
            future.set_result(written)
            self._keep(event_id, written)
        finally:
            self._reads.pop(key, None)
        return written

    def _keep(self, event_id: uuid.UUID, written: WrittenMap) -> None:
        with self._lock:
            if written.stamp != self._stamp(event_id) or written.size > self._max_bytes:
                return  # changed while it was read, or too big to keep
            self._drop(event_id)
            self._entries[event_id] = written
            self._bytes += written.size
            while self._bytes > self._max_bytes:
                _, oldest = self._entries.popitem(last=False)
                self._bytes -= oldest.size


def _fresh(written: WrittenMap, now: datetime) -> bool:
    return written.fresh_until is None or written.fresh_until > now
