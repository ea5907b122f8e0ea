"""Events and their seat maps: create, edit, cancel, list, read."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from seatguard.booking.cancellation import queue_cancellation
from seatguard.booking.domain import (
    BUYERS_SEE,
    EventStatus,
    SeatState,
    SeatStatus,
    availability_level,
    can_move_seat,
    effective_status,
    minor_to_major,
    why_not_on_sale,
)
from seatguard.booking.holds import SeatChange, free_now, unheld
from seatguard.booking.models import Event, Seat, Ticket
from seatguard.booking.sales_rules import check_window, window_of
from seatguard.booking.schemas import (
    EventDetailOut,
    EventIn,
    EventOut,
    EventPatch,
    MySeatOut,
    SeatOut,
)
from seatguard.booking.seatmap import (
    MAP_CHUNK,
    MapRow,
    MapSeat,
    RowSink,
    map_seat_of,
    rows_in_map_order,
    seats_json,
)
from seatguard.booking.text import search_terms
from seatguard.common.errors import Conflict, Invalid, NotFound
from seatguard.queue.base import Queue


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    available: int


def seat_counts(
    session: Session, event_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, Counts]:
    if not event_ids:
        return {}
    rows = session.execute(
        select(
            Seat.event_id,
            func.count(),
            func.count().filter(free_now(now)),
        )
        .where(Seat.event_id.in_(event_ids))
        .group_by(Seat.event_id)
    ).all()
    return {r[0]: Counts(total=r[1], available=r[2]) for r in rows}


def event_out(event: Event, counts: Counts | None, now: datetime) -> EventOut:
    counts = counts or Counts(0, 0)
    return EventOut(
        id=event.id,
        name=event.name,
        artist=event.artist,
        description=event.description,
        location=event.location,
        date=event.starts_at,
        timezone=event.timezone,
        poster_url=event.poster_url,
        gender=event.gender,
        currency=event.currency,
        status=event.status,
        sales_start_at=event.sales_start_at,
        sales_end_at=event.sales_end_at,
        on_sale=why_not_on_sale(window_of(event), now=now) is None,
        seats_total=counts.total,
        seats_available=counts.available,
        availability=availability_level(available=counts.available, total=counts.total),
    )


def seat_out(seat: Seat | Row[Any], now: datetime) -> SeatOut:
    state = SeatState(
        status=SeatStatus(seat.status), held_by=seat.held_by, held_until=seat.held_until
    )
    status = effective_status(state, now=now)
    return SeatOut(
        id=seat.id,
        event_id=seat.event_id,
        section=seat.section,
        row=seat.row,
        number=f"{seat.row}{seat.number}",
        price=minor_to_major(seat.price_minor),
        price_minor=seat.price_minor,
        status=status,
        held_until=seat.held_until if status is SeatStatus.LOCKED else None,
        accessible=seat.accessible,
        gap_before=seat.gap_before,
    )


def list_events(
    session: Session,
    *,
    now: datetime,
    name: str | None,
    gender: str | None,
    location: str | None,
    offset: int,
    limit: int,
    q: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
) -> tuple[list[EventOut], int]:
    """Events buyers may see (not drafts, not cancelled), filtered; ``q`` matches every word
    in name, artist, venue and city."""
    query = select(Event).where(Event.status.in_(BUYERS_SEE))
    for term in search_terms(q or ""):
        query = query.where(Event.search_text.like(f"%{_escape_like(term)}%", escape="\\"))
    if starts_from is not None:
        query = query.where(Event.starts_at >= starts_from)
    if starts_before is not None:
        query = query.where(Event.starts_at < starts_before)
    if name:
        query = query.where(Event.name.ilike(f"%{_escape_like(name)}%", escape="\\"))
    if location:
        query = query.where(Event.location.ilike(f"%{_escape_like(location)}%", escape="\\"))
    if gender:
        query = query.where(Event.gender == gender)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = session.scalars(
        query.order_by(Event.starts_at, Event.id).offset(offset).limit(limit)
    ).all()
    counts = seat_counts(session, [e.id for e in events], now)
    return [event_out(e, counts.get(e.id), now) for e in events], total


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def load_event(session: Session, event_id: uuid.UUID, *, drafts: bool = True) -> Event:
    """The event, or 404; a draft counts as missing unless ``drafts`` (an admin asks)."""
    event = session.get(Event, event_id)
    if event is None or (not drafts and event.status == EventStatus.DRAFT):
        raise NotFound("No such event.", code="event_not_found")
    return event


def get_event(
    session: Session, *, event_id: uuid.UUID, now: datetime, drafts: bool = False
) -> EventOut:
    event = load_event(session, event_id, drafts=drafts)
    return event_out(event, seat_counts(session, [event.id], now).get(event.id), now)


def event_seats(session: Session, *, event_id: uuid.UUID, now: datetime) -> list[SeatOut]:
    load_event(session, event_id)
    seats = session.scalars(
        select(Seat).where(Seat.event_id == event_id).order_by(Seat.section, Seat.row, Seat.number)
    ).all()
    return sorted(
        (seat_out(s, now) for s in seats),
        key=lambda s: (s.section, s.row, _natural(s.number)),
    )


def map_seats(
    session: Session, *, event_id: uuid.UUID, now: datetime, drafts: bool = False
) -> list[MapSeat]:
    """The event's seat map as plain rows (no ORM object per seat), in map order."""
    return [map_seat_of(r, now) for r in map_rows(session, event_id=event_id, drafts=drafts)]


def map_rows(session: Session, *, event_id: uuid.UUID, drafts: bool = False) -> list[MapRow]:
    """The event's seats in the map's columns (``MapRow``), as stored, in map order."""
    load_event(session, event_id, drafts=drafts)
    return rows_in_map_order(session.execute(_map_columns(event_id)))


def read_map(
    session: Session, *, event_id: uuid.UUID, into: RowSink, chunk: int = MAP_CHUNK
) -> None:
    """The event's map rows as stored, given to ``into`` ``chunk`` rows at a time, ordered
    by section and row in code point order (``seatmap.RowSink``): the event's rows are never
    all alive at once."""
    load_event(session, event_id, drafts=False)
    binary = session.get_bind().dialect.name == "postgresql"  # SQLite's default is BINARY
    order = (
        [Seat.section.collate("C"), Seat.row.collate("C")] if binary else [Seat.section, Seat.row]
    )
    query = _map_columns(event_id).order_by(*order).execution_options(yield_per=chunk)
    for rows in session.execute(query).partitions():
        into(rows)


def _map_columns(event_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    return select(
        Seat.id,
        Seat.event_id,
        Seat.section,
        Seat.row,
        Seat.number,
        Seat.price_minor,
        Seat.status,
        Seat.held_until,
        Seat.accessible,
        Seat.gap_before,
    ).where(Seat.event_id == event_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionSummary:
    name: str
    prices: list[int]  # the lowest and the highest (one when they are the same)
    seats: int
    free: int


def section_overview(
    session: Session, *, event_id: uuid.UUID, now: datetime, drafts: bool = False
) -> list[SectionSummary]:
    """Each section's prices, size and seats free now, in map order (one query)."""
    load_event(session, event_id, drafts=drafts)
    free = func.count().filter(free_now(now))
    rows = session.execute(
        select(
            Seat.section, func.min(Seat.price_minor), func.max(Seat.price_minor), func.count(), free
        )
        .where(Seat.event_id == event_id)
        .group_by(Seat.section)
        .order_by(Seat.section)
    ).all()
    return [
        SectionSummary(name=name, prices=sorted({low, high}), seats=count, free=available)
        for name, low, high, count, available in rows
    ]


def event_detail_json(
    session: Session, *, event_id: uuid.UUID, now: datetime, drafts: bool = False
) -> bytes:
    """``EventDetailOut`` as JSON, the seats written directly (a stadium has 100,000)."""
    event = get_event(session, event_id=event_id, now=now, drafts=drafts)
    head = event.model_dump_json(by_alias=True)
    seats = seats_json(map_seats(session, event_id=event_id, now=now, drafts=drafts))
    return head[:-1].encode() + b',"seats":' + seats + b"}"


def _natural(label: str) -> tuple[int, str]:
    digits = "".join(ch for ch in label if "0" <= ch <= "9")  # ASCII only: "²" is a digit too
    return (int(digits) if digits else 0, label)


_INSERT_CHUNK = 5000  # seat rows per INSERT: keeps a stadium's creation small in memory


def create_event(session: Session, *, data: EventIn, now: datetime) -> uuid.UUID:
    if data.date <= now:
        raise Invalid("The event date must be in the future.", code="date_in_past")
    check_window(
        starts_at=data.date, sales_start_at=data.sales_start_at, sales_end_at=data.sales_end_at
    )
    event = Event(
        id=uuid.uuid4(),
        name=data.name,
        artist=data.artist,
        description=data.description,
        location=data.location,
        gender=data.gender.value,
        poster_url=data.poster_url,
        starts_at=data.date,
        timezone=data.timezone,
        currency=data.currency,
        status=data.status,
        sales_start_at=data.sales_start_at,
        sales_end_at=data.sales_end_at,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    session.flush()
    rows = (
        {
            "id": uuid.uuid4(),
            "event_id": event.id,
            "section": section.name,
            "row": row.row,
            "number": number,
            "price_minor": section.price_minor,
            "status": SeatStatus.AVAILABLE.value,
            "version": 0,
            "updated_at": now,
            "accessible": accessible,
            "gap_before": gap_before,
        }
        for section in data.sections
        for row in section.rows
        for number, gap_before, accessible in row.layout()
    )
    while chunk := list(itertools.islice(rows, _INSERT_CHUNK)):  # a stadium: 100,000 rows
        session.execute(insert(Seat), chunk)
    return event.id


def update_event(
    session: Session, *, event_id: uuid.UUID, patch: EventPatch, now: datetime
) -> None:
    event = load_event(session, event_id)
    if event.status == EventStatus.CANCELLED:
        raise Conflict("A cancelled event cannot be edited.", code="event_cancelled")
    changes = patch.model_dump(exclude_unset=True)
    if "date" in changes:
        if changes["date"] is None or changes["date"] <= now:
            raise Invalid("The event date must be in the future.", code="date_in_past")
        event.starts_at = changes.pop("date")
    if changes.get("gender") is not None:
        changes["gender"] = changes["gender"].value
    for field in ("sales_start_at", "sales_end_at"):  # null clears: no bound on that side
        if field in changes:
            setattr(event, field, changes.pop(field))
    for field, value in changes.items():
        if value is None:
            raise Invalid(f"{field} cannot be null.", code="null_field")
        setattr(event, field, value)
    check_window(
        starts_at=event.starts_at,
        sales_start_at=event.sales_start_at,
        sales_end_at=event.sales_end_at,
    )
    event.updated_at = now


def cancel_event(session: Session, *, event_id: uuid.UUID, now: datetime, queue: Queue) -> None:
    """Stop sales now and queue the refund of everything sold (booking/cancellation.py)."""
    event = load_event(session, event_id)
    if event.status == EventStatus.CANCELLED:
        return
    event.status = EventStatus.CANCELLED.value
    event.updated_at = now
    queue_cancellation(session, queue=queue, event_id=event.id)


def set_seat_status(
    session: Session, *, seat_id: uuid.UUID, status: SeatStatus, now: datetime
) -> SeatChange:
    """An operator's manual change, only along legal transitions, as a versioned update."""
    seat = session.get(Seat, seat_id)
    if seat is None:
        raise NotFound("No such seat.", code="seat_not_found")
    state = SeatState(
        status=SeatStatus(seat.status), held_by=seat.held_by, held_until=seat.held_until
    )
    current = effective_status(state, now=now)
    if not can_move_seat(current, status):
        raise Conflict(f"A seat cannot go from {current} to {status}.", code="illegal_transition")
    if current is SeatStatus.LOCKED and seat.order_id is not None:
        raise Conflict(
            "This seat is in a checkout; expire its order instead.", code="seat_in_checkout"
        )
    if current is SeatStatus.SOLD and session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.seat_id == seat.id)
    ):
        raise Conflict("This seat has a ticket; refund its order instead.", code="seat_ticketed")
    changed = session.execute(
        update(Seat)
        .where(Seat.id == seat.id, Seat.version == seat.version)
        .values(unheld(now, status.value))
        .returning(Seat.id)
        .execution_options(synchronize_session=False)
    ).first()
    if changed is None:
        raise Conflict("The seat changed meanwhile; try again.", code="seat_changed")
    return SeatChange(event_id=seat.event_id, seat_id=seat.id, status=status.value)


def get_seat(session: Session, *, seat_id: uuid.UUID, now: datetime) -> SeatOut:
    seat = session.get(Seat, seat_id)
    if seat is None:
        raise NotFound("No such seat.", code="seat_not_found")
    return seat_out(seat, now)


def event_detail(
    session: Session, *, event_id: uuid.UUID, now: datetime, drafts: bool = False
) -> EventDetailOut:
    event = get_event(session, event_id=event_id, now=now, drafts=drafts)
    seats = event_seats(session, event_id=event_id, now=now)
    return EventDetailOut(**event.model_dump(), seats=seats)


def my_seats(
    session: Session, *, event_id: uuid.UUID, user_id: str, now: datetime
) -> list[MySeatOut]:
    """The caller's running holds and bought seats in the event (any browser, any device)."""
    load_event(session, event_id, drafts=False)  # a buyer's door: a draft is not found
    rows = session.execute(
        select(Seat.id, Seat.status, Seat.held_until)
        .where(
            Seat.event_id == event_id,
            Seat.held_by == user_id,
            or_(
                and_(Seat.status == SeatStatus.LOCKED.value, Seat.held_until > now),
                Seat.status == SeatStatus.SOLD.value,
            ),
        )
        .order_by(Seat.section, Seat.row, Seat.id)
    ).all()
    return [
        MySeatOut(
            seat_id=r.id,
            status=SeatStatus(r.status),
            held_until=r.held_until if r.status == SeatStatus.LOCKED.value else None,
            held_by_me=r.status == SeatStatus.LOCKED.value,
            bought_by_me=r.status == SeatStatus.SOLD.value,
        )
        for r in rows
    ]
