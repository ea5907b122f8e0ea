"""An event's seat map kept as one block of JSON with every seat AVAILABLE, so that announced
changes are applied to it and the map written again (compressed) without reading the event.

Of a seat's ``SeatOut`` object only ``status`` and ``heldUntil`` change during a sale; the
rest (id, section, row, label, price, layout marks) is written once, straight from the
database's rows, into one buffer: the map as it would be with every seat AVAILABLE, and the
place of each seat's status in it. The seats that are not AVAILABLE are kept by id with their
hold's end. Writing copies the buffer into a gzip stream with those seats' status put in:
the same bytes ``seats_json`` writes from a fresh read at the same moment (a property test
holds the two together), without ever holding the uncompressed map twice.

A stadium of 100,000 seats keeps some 20 MB of buffer, 0.4 MB of places and an index by id;
no object per seat.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zlib
from array import array
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from seatguard.booking.seatmap import AVAILABLE, LOCKED, MapRow, iso_utc, rows_in_map_order

Taken = tuple[uuid.UUID, str, datetime | None]  # a seat that is not AVAILABLE: status, hold end

_FREE = b'"status":"AVAILABLE","heldUntil":null'
# A map just read is packed tight (every reader downloads it until the next change: level 6
# is some 15% smaller than 1); one written again during a sale, once a second, is packed fast.
TIGHT = 6
FAST = 1
_GZIP = 31  # zlib's wbits for a gzip stream


def status_bytes(status: str, held_until: datetime | None) -> bytes:
    until = json.dumps(iso_utc(held_until)) if held_until is not None else "null"
    return f'"status":{json.dumps(status, ensure_ascii=False)},"heldUntil":{until}'.encode()


def effective(status: str, held_until: datetime | None) -> tuple[str, datetime | None]:
    """What a fresh read makes of a seat's columns, before the clock: a hold with no end is
    no hold, and only holds carry an end."""
    if status == LOCKED:
        return (LOCKED, held_until) if held_until is not None else (AVAILABLE, None)
    return status, None


def compressed(chunks: Iterable[bytes | memoryview], level: int = TIGHT) -> tuple[bytes, str]:
    """The gzip of the concatenated ``chunks`` and the weak ETag of the uncompressed bytes."""
    packer = zlib.compressobj(level, zlib.DEFLATED, _GZIP)
    digest = hashlib.blake2b(digest_size=16)
    out = []
    for chunk in chunks:
        digest.update(chunk)
        out.append(packer.compress(chunk))
    out.append(packer.flush())
    return b"".join(out), 'W/"' + digest.hexdigest() + '"'


class MapWriter:
    """Writes a map's rows into the buffer of a ``KeptMap`` as they arrive, in chunks.

    The rows come ordered by section and row in code point order (the order of Python's
    ``str``; the database's ``ORDER BY`` with a binary collation), seats of one row in any
    order: each row of seats is put in natural order (``seatmap.rows_in_map_order``) when the
    next begins. So a read keeps one chunk and one row of seats alive, never the event's rows.
    """

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._buffer = bytearray(b"[")
        self._places = array("I")  # where each seat's status starts in ``buffer``
        self._index: dict[int, int] = {}  # seat id (as an int) -> its position in the map
        self._taken: dict[uuid.UUID, tuple[str, datetime | None]] = {}
        self._text = _texts()
        self._row: list[MapRow] = []  # the seats of the row being read
        self._row_key: tuple[str, str] | None = None

    def add(self, rows: Iterable[MapRow]) -> None:
        """The next rows of the map (see ``seatmap.map_seat_of`` for the columns)."""
        for columns in rows:
            key = (columns[2], columns[3])
            if key != self._row_key:
                if self._row_key is not None and key < self._row_key:
                    raise ValueError(f"map rows out of order: {key!r} after {self._row_key!r}")
                self._flush()
                self._row_key = key
            self._row.append(columns)

    def finish(self) -> KeptMap:
        self._flush()
        self._buffer += b"]"
        return KeptMap(self._buffer, self._places, self._index, self._taken)

    def _flush(self) -> None:
        seats = rows_in_map_order(self._row)
        self._row.clear()
        buffer, text, now = self._buffer, self._text, self._now
        for sid, event_id, section, row, number, price, status, until, accessible, gap in seats:
            if self._index:
                buffer += b","
            buffer += (
                f'{{"id":"{sid}","eventId":"{event_id}","section":{text(section)},'
                f'"row":{text(row)},"number":{json.dumps(f"{row}{number}", ensure_ascii=False)},'
                f'"price":{float.__repr__(price / 100)},"priceMinor":{int(price)},'
            ).encode()
            self._places.append(len(buffer))
            buffer += _FREE
            buffer += _tail(bool(accessible), gap)
            self._index[sid.int] = len(self._index)
            if until is not None and until.tzinfo is None:
                until = until.replace(tzinfo=UTC)
            if status == LOCKED and (until is None or until <= now):
                continue  # a hold that ran out: AVAILABLE
            if status != AVAILABLE:
                self._taken[sid] = (status, until if status == LOCKED else None)


class KeptMap:
    """A map's fixed bytes in map order and the seats that are not AVAILABLE."""

    def __init__(
        self,
        buffer: bytearray,
        places: array[int],
        index: dict[int, int],
        taken: dict[uuid.UUID, tuple[str, datetime | None]],
    ) -> None:
        """What ``MapWriter`` wrote (``of`` writes it from rows at once)."""
        self._buffer = buffer  # never changed from here on
        self._places = places
        self._index = index
        self.taken = taken
        self.size = len(buffer) + 4 * len(places) + 80 * len(index)

    @classmethod
    def of(cls, rows: Iterable[MapRow], now: datetime) -> KeptMap:
        """The kept map of ``rows`` at ``now`` (in ``MapWriter``'s order)."""
        writer = MapWriter(now)
        writer.add(rows)
        return writer.finish()

    def __len__(self) -> int:
        return len(self._places)

    def apply(self, seat_id: uuid.UUID, status: str, held_until: datetime | None) -> bool:
        """Set a seat's announced state; False if the seat is not in this map."""
        if seat_id.int not in self._index:
            return False
        status, held_until = effective(status, held_until)
        if status == AVAILABLE:
            self.taken.pop(seat_id, None)
        else:
            self.taken[seat_id] = (status, held_until)
        return True

    def expire(self, now: datetime) -> None:
        """Forget holds that ran out by ``now`` (a fresh read shows them AVAILABLE)."""
        ran_out = [
            sid
            for sid, (status, until) in self.taken.items()
            if status == LOCKED and until is not None and until <= now
        ]
        for sid in ran_out:
            del self.taken[sid]

    def snapshot(self, now: datetime) -> tuple[Taken, ...]:
        """The seats that are not AVAILABLE at ``now`` (call under the owner's lock)."""
        self.expire(now)
        return tuple((sid, status, until) for sid, (status, until) in self.taken.items())

    def write(self, taken: Iterable[Taken], level: int = TIGHT) -> tuple[bytes, str]:
        """The map with ``taken`` (from ``snapshot``; every other seat AVAILABLE), gzipped,
        and its ETag. Safe to call outside the lock: the buffer never changes."""
        written: dict[tuple[str, datetime | None], bytes] = {}
        places = []
        for sid, status, until in taken:
            middle = written.get((status, until))
            if middle is None:
                middle = written[status, until] = status_bytes(status, until)
            places.append((self._places[self._index[sid.int]], middle))
        places.sort()
        return compressed(self._chunks(places), level)

    def _chunks(self, places: list[tuple[int, bytes]]) -> Iterable[bytes | memoryview]:
        view = memoryview(self._buffer)
        done = 0
        for place, middle in places:
            yield view[done:place]
            yield middle
            done = place + len(_FREE)
        yield view[done:]


def _texts() -> Callable[[str], str]:
    """``json.dumps`` of a section's or row's name, once per name."""
    seen: dict[str, str] = {}

    def text(value: str) -> str:
        out = seen.get(value)
        if out is None:
            out = seen[value] = json.dumps(value, ensure_ascii=False)
        return out

    return text


def _tail(accessible: bool, gap: int) -> bytes:
    marks = (b',"accessible":true' if accessible else b"") + (
        f',"gapBefore":{gap}'.encode() if gap else b""
    )
    return marks + b"}"
