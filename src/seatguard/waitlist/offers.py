"""Offering freed seats to the waiting list: a sweeper step, one transaction per offer.

Whatever freed a seat (a hold or an unpaid order running out, a cancellation, a refund, an
organizer setting it AVAILABLE), "free" is one query condition, so this step needs no hook
in those paths: each sweep looks at events with buyers in line and free seats.

An offer is one transaction: the event's line is locked (PostgreSQL: an advisory lock per
event; SQLite: one writer at a time), the next entry whose request fits is moved from
WAITING to OFFERED by a conditional UPDATE, its seats are held for that buyer with the
ordinary hold statement (``holds.hold_seats``, until the offer ends) and the offer email is
queued in the same transaction. A crash anywhere leaves either all of it or none of it; a
seat is held for one buyer at most because the hold statement says so, and an entry is
offered once because only a WAITING entry can be claimed.

Only AVAILABLE seats and holds that ran out with no checkout on them are offered: seats of
an unpaid checkout are left to the order's expiry (a payment may still land on them).

``settle_offers`` closes offers: CONVERTED once the buyer paid for seats of the event after
the offer, LAPSED when the offer's time is up with no checkout open; its seats are then
free (a hold that ran out) and the same sweep offers them to the next in line.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from seatguard.booking import holds, live
from seatguard.booking.domain import EventStatus, OrderStatus
from seatguard.booking.expiry import SweepResult
from seatguard.booking.models import Event, Order, Seat
from seatguard.common.db import Database
from seatguard.common.errors import AppError
from seatguard.queue.base import Queue
from seatguard.waitlist.domain import EntryState, FreeSeat, InLine, next_in_line, pick_seats
from seatguard.waitlist.models import WaitlistEntry

log = logging.getLogger("seatguard.waitlist")

WAITING = EntryState.WAITING.value
OFFERED = EntryState.OFFERED.value
OFFER_EMAIL = "waitlist.offer"


@dataclass(frozen=True, slots=True, kw_only=True)
class Offer:
    entry_id: uuid.UUID
    offer_id: uuid.UUID
    user_id: str
    seat_ids: tuple[uuid.UUID, ...]
    until: datetime


def offerable(now: datetime) -> ColumnElement[bool]:
    """SQL for a seat the waiting list may be offered: AVAILABLE, or a bare hold run out."""
    return or_(
        Seat.status == holds.AVAILABLE,
        and_(Seat.status == holds.LOCKED, Seat.held_until <= now, Seat.order_id.is_(None)),
    )


def events_with_line(session: Session, *, now: datetime) -> list[uuid.UUID]:
    """Events on sale and to come with someone waiting and a seat to offer."""
    return list(
        session.scalars(
            select(Event.id)
            .where(
                Event.status == EventStatus.ON_SALE.value,  # the sales rule, as in holds
                Event.starts_at > now,
                or_(Event.sales_start_at.is_(None), Event.sales_start_at <= now),
                or_(Event.sales_end_at.is_(None), Event.sales_end_at > now),
                exists().where(WaitlistEntry.event_id == Event.id, WaitlistEntry.state == WAITING),
                exists().where(Seat.event_id == Event.id, offerable(now)),
            )
            .order_by(Event.starts_at, Event.id)
        )
    )


def _lock_line(session: Session, event_id: uuid.UUID) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(
                func.pg_advisory_xact_lock(
                    func.hashtextextended(literal("waitlist:") + str(event_id), 0)
                )
            )
        )


def offer_next(
    session: Session,
    *,
    queue: Queue,
    event_id: uuid.UUID,
    now: datetime,
    offer_for: timedelta,
    max_seats: int,
) -> Offer | None:
    """Offer free seats of the event to the next in line whose request fits; None when no
    one fits. Raises (and the caller's transaction rolls back) when the hold is refused."""
    _lock_line(session, event_id)
    waiting = [
        InLine(entry_id=r.id, seats_wanted=r.seats_wanted)
        for r in session.execute(
            select(WaitlistEntry.id, WaitlistEntry.seats_wanted)
            .where(WaitlistEntry.event_id == event_id, WaitlistEntry.state == WAITING)
            .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
            .limit(500)
        )
    ]
    free = [
        FreeSeat(id=r.id, section=r.section, row=r.row)
        for r in session.execute(
            select(Seat.id, Seat.section, Seat.row)
            .where(Seat.event_id == event_id, offerable(now))
            .order_by(Seat.section, Seat.row, func.length(Seat.number), Seat.number)
        )
    ]
    chosen = next_in_line(waiting, len(free))
    if chosen is None:
        return None
    seat_ids = pick_seats(free, chosen.seats_wanted)
    assert seat_ids is not None  # next_in_line only picks requests the free seats fill
    offer_id, until = uuid.uuid4(), now + offer_for
    user_id = session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == chosen.entry_id, WaitlistEntry.state == WAITING)
        .values(
            state=OFFERED,
            offer_id=offer_id,
            offered_at=now,
            offered_until=until,
            seats_offered=len(seat_ids),
            updated_at=now,
        )
        .returning(WaitlistEntry.user_id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if user_id is None:  # taken off the list meanwhile
        return None
    hold = holds.hold_seats(
        session,
        seat_ids=seat_ids,
        user_id=user_id,
        now=now,
        hold_for=offer_for,
        # the offer is the list's, not the buyer's asking: holds of their own do not stop it
        max_per_event=max_seats + len(seat_ids),
    )
    live.announce(session, live.hold_changes(hold), held_until=hold.expires_at)
    queue.send(
        {"type": OFFER_EMAIL, "entry_id": str(chosen.entry_id), "offer_id": str(offer_id)},
        session=session,
        dedupe_key=f"waitlist-offer:{offer_id}",
    )
    return Offer(
        entry_id=chosen.entry_id, offer_id=offer_id, user_id=user_id, seat_ids=seat_ids, until=until
    )


def make_offers(
    db: Database,
    *,
    queue: Queue,
    now: datetime,
    offer_for: timedelta,
    max_seats: int,
    limit: int = 200,
) -> list[Offer]:
    """Offer every free seat that someone in line can take; one transaction per offer."""
    with db.reader() as session:
        event_ids = events_with_line(session, now=now)
    made: list[Offer] = []
    for event_id in event_ids:
        while len(made) < limit:
            try:
                with db.unit_of_work() as session:
                    offer = offer_next(
                        session,
                        queue=queue,
                        event_id=event_id,
                        now=now,
                        offer_for=offer_for,
                        max_seats=max_seats,
                    )
            except AppError as exc:  # a seat was taken meanwhile: the next sweep tries again
                log.info("waiting list of event %s: no offer now (%s)", event_id, exc.code)
                break
            if offer is None:
                break
            log.info(
                "offered %d seats of event %s to %s", len(offer.seat_ids), event_id, offer.user_id
            )
            made.append(offer)
    return made


_PAID_AFTER_OFFER = exists().where(
    Order.user_id == WaitlistEntry.user_id,
    Order.event_id == WaitlistEntry.event_id,
    Order.status == OrderStatus.COMPLETED.value,
    Order.completed_at >= WaitlistEntry.offered_at,
)
_CHECKOUT_OPEN = exists().where(
    Order.user_id == WaitlistEntry.user_id,
    Order.event_id == WaitlistEntry.event_id,
    Order.status == OrderStatus.PENDING.value,
)


def settle_offers(db: Database, *, now: datetime) -> tuple[int, int]:
    """Close offers that were paid (CONVERTED) or ran out unpaid (LAPSED); returns both counts."""
    with db.unit_of_work() as session:
        converted = session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.state == OFFERED, _PAID_AFTER_OFFER)
            .values(state=EntryState.CONVERTED.value, updated_at=now)
            .returning(WaitlistEntry.id)
            .execution_options(synchronize_session=False)
        ).all()
        lapsed = session.execute(
            update(WaitlistEntry)
            .where(
                WaitlistEntry.state == OFFERED,
                WaitlistEntry.offered_until <= now,
                ~_CHECKOUT_OPEN,
            )
            .values(state=EntryState.LAPSED.value, updated_at=now)
            .returning(WaitlistEntry.id)
            .execution_options(synchronize_session=False)
        ).all()
    return len(converted), len(lapsed)


def sweep_waiting_lists(
    db: Database, *, queue: Queue, now: datetime, offer_for: timedelta, max_seats: int
) -> SweepResult:
    """The sweeper's step: close settled offers, then offer what is free to those in line."""
    settle_offers(db, now=now)
    offers = make_offers(db, queue=queue, now=now, offer_for=offer_for, max_seats=max_seats)
    return SweepResult(waitlist_offers=len(offers))
