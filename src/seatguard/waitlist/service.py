"""Joining, leaving and reading the waiting list; the organizer's view and removal.

Every function takes the caller's session (a unit of work for changes): routes stay thin and
an entry's change commits with its audit entry and the seats it gives back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from seatguard.booking import live
from seatguard.booking.catalogue import load_event
from seatguard.booking.holds import free_now, still_held, unheld
from seatguard.booking.models import Seat
from seatguard.booking.sales_rules import refuse_sale, window_of
from seatguard.common.errors import Conflict, Invalid, NotFound
from seatguard.waitlist.domain import ACTIVE_STATES, EntryState
from seatguard.waitlist.models import WaitlistEntry

_ACTIVE = [s.value for s in ACTIVE_STATES]


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """An entry and its place in line (None once it is no longer waiting)."""

    entry: WaitlistEntry
    position: int | None


def is_sold_out(session: Session, event_id: uuid.UUID, now: datetime) -> bool:
    """No seat anyone may hold now: none AVAILABLE, no hold run out."""
    free = session.scalar(
        select(func.count()).select_from(Seat).where(Seat.event_id == event_id, free_now(now))
    )
    return not free


def _on_sale(session: Session, event_id: uuid.UUID, now: datetime) -> None:
    """The line of an event that does not sell now (a draft, closed sales, outside its
    window, started) takes no one: the same 409 as a hold there."""
    refuse_sale(window_of(load_event(session, event_id)), now=now)


def active_entry(
    session: Session, event_id: uuid.UUID, user_id: str, *, lock: bool = False
) -> WaitlistEntry | None:
    query = select(WaitlistEntry).where(
        WaitlistEntry.event_id == event_id,
        WaitlistEntry.user_id == user_id,
        WaitlistEntry.state.in_(_ACTIVE),
    )
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def position_of(session: Session, entry: WaitlistEntry) -> int | None:
    """1 for the first in line; None unless the entry is waiting."""
    if entry.state != EntryState.WAITING:
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.event_id == entry.event_id,
            WaitlistEntry.state == EntryState.WAITING.value,
            or_(
                WaitlistEntry.joined_at < entry.joined_at,
                and_(WaitlistEntry.joined_at == entry.joined_at, WaitlistEntry.id < entry.id),
            ),
        )
    )
    return int(ahead or 0) + 1


def join(
    session: Session,
    *,
    event_id: uuid.UUID,
    user_id: str,
    email: str | None,
    language: str | None,
    seats_wanted: int,
    max_seats: int,
    now: datetime,
) -> Place:
    """Put the buyer in line for a sold-out event (409 while seats are free or when already
    in line; 422 beyond the per-event cap)."""
    _on_sale(session, event_id, now)
    if not 1 <= seats_wanted <= max_seats:
        raise Invalid(
            f"Ask for 1 to {max_seats} seats.",
            code="seats_wanted_out_of_range",
            details={"limit": max_seats},
        )
    if not is_sold_out(session, event_id, now):
        raise Conflict(
            "Seats are still on sale; choose them on the seat map.", code="event_not_sold_out"
        )
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(
        dialect.insert(WaitlistEntry)
        .values(
            id=uuid.uuid4(),
            event_id=event_id,
            user_id=user_id,
            email=email,
            language=language,
            seats_wanted=seats_wanted,
            state=EntryState.WAITING.value,
            joined_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()  # the unique index of entries in line answers a race
        .returning(WaitlistEntry.id)
    ).scalar_one_or_none()
    if inserted is None:
        raise Conflict("You are already on this event's waiting list.", code="already_waiting")
    entry = session.get_one(WaitlistEntry, inserted)
    return Place(entry=entry, position=position_of(session, entry))


def my_place(session: Session, *, event_id: uuid.UUID, user_id: str) -> Place | None:
    load_event(session, event_id)
    entry = active_entry(session, event_id, user_id)
    return None if entry is None else Place(entry=entry, position=position_of(session, entry))


def _close(session: Session, entry: WaitlistEntry, state: EntryState, now: datetime) -> None:
    """End an entry in line; seats offered to it and still held go back at once."""
    if entry.state == EntryState.OFFERED:
        freed = session.scalars(
            update(Seat)
            .where(
                Seat.event_id == entry.event_id,
                still_held(entry.user_id, now),
                Seat.order_id.is_(None),  # a checkout under way keeps its seats
            )
            .values(unheld(now))
            .returning(Seat.id)
            .execution_options(synchronize_session=False)
        ).all()
        live.announce(session, live.freed(entry.event_id, freed))
    entry.state = state.value
    entry.updated_at = now


def leave(session: Session, *, event_id: uuid.UUID, user_id: str, now: datetime) -> Place:
    load_event(session, event_id)
    entry = active_entry(session, event_id, user_id, lock=True)
    if entry is None:
        raise NotFound("You are not on this event's waiting list.", code="not_waiting")
    _close(session, entry, EntryState.LEFT, now)
    return Place(entry=entry, position=None)


def entries_of(session: Session, *, event_id: uuid.UUID) -> list[Place]:
    """Every entry of the event, in line order, with positions of those waiting."""
    load_event(session, event_id)
    rows = session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.event_id == event_id)
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
    ).all()
    places, waiting = [], 0
    for entry in rows:
        waiting += entry.state == EntryState.WAITING
        position = waiting if entry.state == EntryState.WAITING else None
        places.append(Place(entry=entry, position=position))
    return places


def remove(session: Session, *, entry_id: uuid.UUID, now: datetime) -> WaitlistEntry:
    """The organizer takes an entry off the list (409 when it is no longer in line)."""
    entry = session.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound("No such waiting-list entry.", code="waitlist_entry_not_found")
    if entry.state not in _ACTIVE:
        raise Conflict(
            f"This entry is {entry.state} and no longer in line.",
            code="waitlist_entry_closed",
            details={"state": entry.state},
        )
    _close(session, entry, EntryState.REMOVED, now)
    return entry
