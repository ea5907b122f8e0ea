"""An event's seat map kept as fixed bytes around each seat's status, so that announced
changes are applied to it and the JSON written again without reading the event.

Of a seat's ``SeatOut`` object only ``status`` and ``heldUntil`` change during a sale; the
rest (id, section, row, label, price, layout marks) is written once, when the event is read.
The seats that are not AVAILABLE are kept by id with their hold's end, and writing joins the
fixed parts with the status of each seat: the same bytes ``seats_json`` writes from a fresh
read at the same moment (a property test holds the two together).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from seatguard.booking.seatmap import AVAILABLE, LOCKED, MapSeat, iso_utc, seat_dict

Taken = tuple[uuid.UUID, str, datetime | None]  # a seat that is not AVAILABLE: status, hold end

_FREE = b'"status":"AVAILABLE","heldUntil":null'


def status_bytes(status: str, held_until: datetime | None) -> bytes:
    until = json.dumps(iso_utc(held_until)) if held_until is not None else "null"
    return f'"status":{json.dumps(status, ensure_ascii=False)},"heldUntil":{until}'.encode()


def effective(status: str, held_until: datetime | None) -> tuple[str, datetime | None]:
    """What a fresh read makes of a seat's columns, before the clock: a hold with no end is
    no hold, and only holds carry an end."""
    if status == LOCKED:
        return (LOCKED, held_until) if held_until is not None else (AVAILABLE, None)
    return status, None


class KeptMap:
    """A map's fixed bytes in map order and the seats that are not AVAILABLE."""

    def __init__(self, seats: Sequence[MapSeat]) -> None:
        self._index: dict[uuid.UUID, int] = {}
        self._heads: list[bytes] = []
        self._tails: list[bytes] = []
        tails: dict[bytes, bytes] = {}  # few distinct tails: share them
        self.taken: dict[uuid.UUID, tuple[str, datetime | None]] = {}
        for i, seat in enumerate(seats):
            fields = seat_dict(seat)
            fields["status"], fields["heldUntil"] = AVAILABLE, None
            text = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
            head, tail = text.split(_FREE)
            self._index[seat.id] = i
            self._heads.append((b"[" if i == 0 else b",") + head)
            self._tails.append(tails.setdefault(tail, tail))
            if seat.status != AVAILABLE:
                self.taken[seat.id] = (seat.status, seat.held_until)
        self.size = sum(len(h) for h in self._heads)

    def __len__(self) -> int:
        return len(self._heads)

    def apply(self, seat_id: uuid.UUID, status: str, held_until: datetime | None) -> bool:
        """Set a seat's announced state; False if the seat is not in this map."""
        if seat_id not in self._index:
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

    def write(self, taken: Iterable[Taken]) -> bytes:
        """The JSON array of the map with ``taken`` (from ``snapshot``); every other seat is
        AVAILABLE. Safe to call outside the lock: the fixed parts never change."""
        middles = [_FREE] * len(self._heads)
        written: dict[tuple[str, datetime | None], bytes] = {}
        for sid, status, until in taken:
            key = (status, until)
            middle = written.get(key)
            if middle is None:
                middle = written[key] = status_bytes(status, until)
            middles[self._index[sid]] = middle
        if not middles:
            return b"[]"
        parts = itertools.chain.from_iterable(zip(self._heads, middles, self._tails, strict=True))
        return b"".join(itertools.chain(parts, (b"]",)))
