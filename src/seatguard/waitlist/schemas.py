"""The waiting list's HTTP bodies (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from seatguard.common.schemas import CamelModel
from seatguard.waitlist.domain import EntryState
from seatguard.waitlist.service import Place


class JoinIn(CamelModel):
    seats: int = Field(default=1, ge=1, le=100, description="Seats wanted, 1 to the per-event cap")


class MyEntryOut(CamelModel):
    id: uuid.UUID
    state: EntryState
    seats_wanted: int
    position: int | None = Field(description="1 for the first in line; null unless waiting")
    joined_at: datetime
    offered_until: datetime | None = Field(
        description="While OFFERED: the seats held for the buyer stay theirs until then"
    )
    seats_offered: int


class MyPlaceOut(CamelModel):
    event_id: uuid.UUID
    sold_out: bool = Field(description="No seat can be held now: the list is open")
    max_seats: int = Field(description="The most seats one entry may ask for")
    entry: MyEntryOut | None = Field(description="The caller's entry in line, if any")


class EntryOut(MyEntryOut):
    """An entry as the organizer sees it."""

    event_id: uuid.UUID
    user_id: str
    email: str | None
    updated_at: datetime


def my_entry(place: Place) -> MyEntryOut:
    e = place.entry
    return MyEntryOut(
        id=e.id,
        state=EntryState(e.state),
        seats_wanted=e.seats_wanted,
        position=place.position,
        joined_at=e.joined_at,
        offered_until=e.offered_until if e.state == EntryState.OFFERED else None,
        seats_offered=e.seats_offered,
    )


def entry_out(place: Place) -> EntryOut:
    e = place.entry
    return EntryOut(
        **my_entry(place).model_dump(),
        event_id=e.event_id,
        user_id=e.user_id,
        email=e.email,
        updated_at=e.updated_at,
    )
