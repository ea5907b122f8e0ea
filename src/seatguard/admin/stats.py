"""Sales figures for the organizer: per event, per section and per day."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatguard.admin.schemas import DaySalesOut, EventStatsOut, SeatCountsOut, SectionStatsOut
from seatguard.booking.catalogue import load_event
from seatguard.booking.domain import OrderStatus, SeatStatus
from seatguard.booking.holds import free_now
from seatguard.booking.models import Event, Order, OrderItem, Seat, Ticket

SOLD = SeatStatus.SOLD.value
COMPLETED = OrderStatus.COMPLETED.value
REFUNDED = OrderStatus.REFUNDED.value


def _counts(total: int, sold: int, free: int) -> SeatCountsOut:
    return SeatCountsOut(total=total, sold=sold, free=free, held=total - sold - free)


def _seat_counts(
    session: Session, event_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, SeatCountsOut]:
    rows = session.execute(
        select(
            Seat.event_id,
            func.count(),
            func.count().filter(Seat.status == SOLD),
            func.count().filter(free_now(now)),
        )
        .where(Seat.event_id.in_(event_ids))
        .group_by(Seat.event_id)
    ).all()
    return {r[0]: _counts(r[1], r[2], r[3]) for r in rows}


def _money(session: Session, event_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    rows = session.execute(
        select(Order.event_id, Order.status, func.count(), func.sum(Order.amount_total))
        .where(Order.event_id.in_(event_ids), Order.status.in_([COMPLETED, REFUNDED]))
        .group_by(Order.event_id, Order.status)
    ).all()
    out: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for event_id, status, count, amount in rows:
        out[event_id][status] = int(amount or 0)
        out[event_id][f"{status}_count"] = int(count)
    return out


def _checked_in(session: Session, event_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(Order.event_id, func.count())
        .join_from(Ticket, Order, Order.id == Ticket.order_id)
        .where(Order.event_id.in_(event_ids), Ticket.checked_in_at.is_not(None))
        .group_by(Order.event_id)
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def _stats(
    event: Event, seats: SeatCountsOut, money: dict[str, int], checked_in: int
) -> EventStatsOut:
    return EventStatsOut(
        id=event.id,
        name=event.name,
        starts_at=event.starts_at,
        timezone=event.timezone,
        location=event.location,
        status=event.status,
        sales_start_at=event.sales_start_at,
        sales_end_at=event.sales_end_at,
        currency=event.currency,
        seats=seats,
        orders=money.get(f"{COMPLETED}_count", 0),
        revenue_minor=money.get(COMPLETED, 0),
        refunded_orders=money.get(f"{REFUNDED}_count", 0),
        refunded_minor=money.get(REFUNDED, 0),
        checked_in=checked_in,
    )


def events_overview(session: Session, *, now: datetime) -> list[EventStatsOut]:
    """Every event (cancelled ones too), soonest first, with its sales figures."""
    events = session.scalars(select(Event).order_by(Event.starts_at, Event.id)).all()
    ids = [e.id for e in events]
    seats, money, checked = (
        _seat_counts(session, ids, now),
        _money(session, ids),
        _checked_in(session, ids),
    )
    empty = _counts(0, 0, 0)
    return [
        _stats(e, seats.get(e.id, empty), money.get(e.id, {}), checked.get(e.id, 0)) for e in events
    ]


def event_dashboard(
    session: Session, *, event_id: uuid.UUID, now: datetime
) -> tuple[EventStatsOut, list[SectionStatsOut], list[DaySalesOut]]:
    event = load_event(session, event_id)
    ids = [event.id]
    stats = _stats(
        event,
        _seat_counts(session, ids, now).get(event.id, _counts(0, 0, 0)),
        _money(session, ids).get(event.id, {}),
        _checked_in(session, ids).get(event.id, 0),
    )
    sections = session.execute(
        select(
            Seat.section,
            func.count(),
            func.count().filter(Seat.status == SOLD),
            func.count().filter(free_now(now)),
            func.coalesce(func.sum(Seat.price_minor).filter(Seat.status == SOLD), 0),
        )
        .where(Seat.event_id == event_id)
        .group_by(Seat.section)
        .order_by(Seat.section)
    ).all()
    by_section = [
        SectionStatsOut(section=r[0], seats=_counts(r[1], r[2], r[3]), sold_minor=int(r[4]))
        for r in sections
    ]
    return stats, by_section, _sales_by_day(session, event, event_id)


def _sales_by_day(session: Session, event: Event, event_id: uuid.UUID) -> list[DaySalesOut]:
    """Tickets and revenue of paid orders by the day (in the event's zone) they were paid."""
    zone = ZoneInfo(event.timezone)
    rows = session.execute(
        select(Order.completed_at, func.count(OrderItem.id), func.sum(OrderItem.amount))
        .join_from(Order, OrderItem, OrderItem.order_id == Order.id)
        .where(Order.event_id == event_id, Order.status == COMPLETED)
        .group_by(Order.id, Order.completed_at)
    ).all()
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for completed_at, tickets, amount in rows:
        if completed_at is None:
            continue
        day = completed_at.astimezone(zone).date()
        days[day][0] += int(tickets)
        days[day][1] += int(amount or 0)
    return [DaySalesOut(day=d, tickets=v[0], revenue_minor=v[1]) for d, v in sorted(days.items())]
