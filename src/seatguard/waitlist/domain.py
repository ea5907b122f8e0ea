"""The waiting list's rules, free of any framework: entry states and which free seats to offer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class EntryState(StrEnum):
    WAITING = "WAITING"  # in line
    OFFERED = "OFFERED"  # seats held for the buyer until ``offered_until``
    CONVERTED = "CONVERTED"  # the buyer paid for seats after the offer
    LAPSED = "LAPSED"  # the offer ran out unpaid; the seats went to the next in line
    LEFT = "LEFT"  # the buyer left the list
    REMOVED = "REMOVED"  # the organizer removed the entry


ACTIVE_STATES = (EntryState.WAITING, EntryState.OFFERED)


@dataclass(frozen=True, slots=True, kw_only=True)
class FreeSeat:
    id: uuid.UUID
    section: str
    row: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InLine:
    entry_id: uuid.UUID
    seats_wanted: int


def pick_seats(free: Sequence[FreeSeat], wanted: int) -> tuple[uuid.UUID, ...] | None:
    """``wanted`` of the ``free`` seats (given in map order): side by side in the first row
    that has enough, else the first ones of the map; None when fewer are free."""
    if wanted < 1 or len(free) < wanted:
        return None
    rows: dict[tuple[str, str], list[uuid.UUID]] = {}
    for seat in free:
        rows.setdefault((seat.section, seat.row), []).append(seat.id)
    for ids in rows.values():
        if len(ids) >= wanted:
            return tuple(ids[:wanted])
    return tuple(s.id for s in free[:wanted])


def next_in_line(waiting: Sequence[InLine], free: int) -> InLine | None:
    """The first entry (in line order) whose request the ``free`` seats can fill.

    A request larger than what is free keeps its place and waits; smaller requests behind
    it are served meanwhile, so freed seats do not sit idle.
    """
    return next((e for e in waiting if e.seats_wanted <= free), None)
