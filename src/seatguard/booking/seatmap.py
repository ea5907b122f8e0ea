"""An event's seat map as plain rows, and its JSON written directly (the ``SeatOut`` shape).

The seat map is the largest response the API serves and the one read most: building a
Pydantic model per seat and validating it again on the way out cost more than the query.
The rows here carry what ``SeatOut`` shows, with the effective status (a hold that ran out
is AVAILABLE); ``seat_json`` writes exactly what ``SeatOut`` serialises to (a test holds
the two together).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from seatguard.booking.domain import SeatStatus

LOCKED = SeatStatus.LOCKED.value
AVAILABLE = SeatStatus.AVAILABLE.value

# A seat as the database gives it, in these columns: id, event id, section, row, number,
# price, status, held until (aware, or naive UTC as stored), accessible, gap before.
MapRow = Sequence[Any]
# Where a chunked read of a map puts its rows (ordered by section and row in code point
# order, a row's seats in any order; see ``kept_map.MapWriter``).
RowSink = Callable[[Sequence[MapRow]], None]
MAP_CHUNK = 2000  # rows per chunk of such a read


@dataclass(frozen=True, slots=True, kw_only=True)
class MapSeat:
    id: uuid.UUID
    event_id: uuid.UUID
    section: str
    row: str
    label: str  # the original's seat label: row and number, e.g. "G12"
    price_minor: int
    status: str  # effective: a hold past its expiry is AVAILABLE
    held_until: datetime | None  # only while the hold runs
    accessible: bool = False  # a wheelchair space
    gap_before: int = 0  # empty positions before it in its row (an aisle, missing seats)


def map_seat(
    *,
    id: uuid.UUID,
    event_id: uuid.UUID,
    section: str,
    row: str,
    number: str,
    price_minor: int,
    status: str,
    held_until: datetime | None,
    now: datetime,
    accessible: bool = False,
    gap_before: int = 0,
) -> MapSeat:
    """A seat as buyers see it at ``now`` (``held_until`` aware UTC)."""
    if status == LOCKED and (held_until is None or held_until <= now):
        status, held_until = AVAILABLE, None
    elif status != LOCKED:
        held_until = None
    return MapSeat(
        id=id,
        event_id=event_id,
        section=section,
        row=row,
        label=f"{row}{number}",
        price_minor=price_minor,
        status=status,
        held_until=held_until,
        accessible=bool(accessible),
        gap_before=gap_before,
    )


def map_seat_of(columns: MapRow, now: datetime) -> MapSeat:
    """``map_seat`` from a row of the map's columns (``MapRow``). The ORM read and
    PostgreSQL's one-query read both select them so."""
    until = columns[7]
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    return map_seat(
        id=columns[0],
        event_id=columns[1],
        section=columns[2],
        row=columns[3],
        number=columns[4],
        price_minor=columns[5],
        status=columns[6],
        held_until=until,
        now=now,
        accessible=columns[8],
        gap_before=columns[9],
    )


def in_map_order(seats: Iterable[MapSeat]) -> list[MapSeat]:
    """Section, row, then the label's number (so G2 comes before G10)."""
    return sorted(seats, key=lambda s: (s.section, s.row, natural(s.label)))


def rows_in_map_order(rows: Iterable[MapRow]) -> list[MapRow]:
    """``in_map_order`` for the database's rows (the label is the row and the number)."""
    return sorted(rows, key=lambda r: (r[2], r[3], natural(f"{r[3]}{r[4]}")))


def natural(label: str) -> tuple[int, str]:
    digits = "".join(ch for ch in label if "0" <= ch <= "9")  # ASCII only: "²" is a digit too
    return (int(digits) if digits else 0, label)


def iso_utc(value: datetime) -> str:
    """A UTC time as Pydantic writes it (``…Z``)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def seat_dict(seat: MapSeat) -> dict[str, Any]:
    """The ``SeatOut`` JSON object of ``seat`` (camelCase, in field order; the layout marks
    only where set, as ``SeatOut`` leaves them out)."""
    out: dict[str, Any] = {
        "id": str(seat.id),
        "eventId": str(seat.event_id),
        "section": seat.section,
        "row": seat.row,
        "number": seat.label,
        "price": seat.price_minor / 100,
        "priceMinor": seat.price_minor,
        "status": seat.status,
        "heldUntil": iso_utc(seat.held_until) if seat.held_until is not None else None,
    }
    if seat.accessible:
        out["accessible"] = True
    if seat.gap_before:
        out["gapBefore"] = seat.gap_before
    return out


def seats_json(seats: Sequence[MapSeat]) -> bytes:
    """The JSON array of ``SeatOut`` objects for ``seats``."""
    return json.dumps(
        [seat_dict(s) for s in seats], ensure_ascii=False, separators=(",", ":")
    ).encode()


def seat_json(seat: MapSeat) -> bytes:
    return json.dumps(seat_dict(seat), ensure_ascii=False, separators=(",", ":")).encode()
