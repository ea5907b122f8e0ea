"""The door as the organizer watches it: admissions over time and by section, the last scans."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatguard.admin.schemas import DoorBoardOut, DoorScanOut, DoorSectionOut, DoorSlotOut
from seatguard.booking.catalogue import load_event
from seatguard.booking.domain import OrderStatus
from seatguard.booking.models import Order, Seat, Ticket
from seatguard.tickets.door import door_count

SLOT = timedelta(minutes=10)
LAST_SCANS = 20
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def slot_start(moment: datetime) -> datetime:
    """The start of the 10-minute slot (UTC) holding ``moment``."""
    return _EPOCH + ((moment.astimezone(UTC) - _EPOCH) // SLOT) * SLOT


def door_board(session: Session, *, event_id: uuid.UUID) -> DoorBoardOut:
    """Valid tickets only: a refunded order's tickets are void and count nowhere."""
    event = load_event(session, event_id)
    count = door_count(session, event_id=event_id)
    valid = (Order.event_id == event_id, Order.status != OrderStatus.REFUNDED)
    admitted_at = session.scalars(
        select(Ticket.checked_in_at)
        .join(Order, Order.id == Ticket.order_id)
        .where(*valid, Ticket.checked_in_at.is_not(None))
    ).all()
    slots = Counter(slot_start(at) for at in admitted_at if at is not None)
    sections = session.execute(
        select(Seat.section, func.count(Ticket.id), func.count(Ticket.checked_in_at))
        .join_from(Ticket, Seat, Seat.id == Ticket.seat_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(*valid)
        .group_by(Seat.section)
        .order_by(Seat.section)
    ).all()
    last = session.execute(
        select(
            Ticket.id,
            Ticket.checked_in_at,
            Seat.section,
            Seat.row,
            Seat.number,
            Order.customer_name,
            Order.customer_email,
        )
        .join_from(Ticket, Seat, Seat.id == Ticket.seat_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(*valid, Ticket.checked_in_at.is_not(None))
        .order_by(Ticket.checked_in_at.desc(), Ticket.id)
        .limit(LAST_SCANS)
    ).all()
    return DoorBoardOut(
        event_id=event.id,
        name=event.name,
        tickets=count.tickets,
        admitted=count.admitted,
        remaining=count.remaining,
        by_slot=[DoorSlotOut(start=s, admitted=n) for s, n in sorted(slots.items())],
        by_section=[DoorSectionOut(section=r[0], tickets=r[1], admitted=r[2]) for r in sections],
        last_scans=[
            DoorScanOut(
                ticket_id=r.id,
                at=r.checked_in_at,
                section=r.section,
                row=r.row,
                number=r.number,
                name=r.customer_name or r.customer_email or "",
            )
            for r in last
        ],
    )
