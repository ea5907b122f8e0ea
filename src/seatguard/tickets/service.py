"""Door check-in and ticket reads.

A scan is verified first (the signature, or the short code looked up), then admitted by
one conditional ``UPDATE … WHERE checked_in_at IS NULL … RETURNING``: of any number of
concurrent scans of the same ticket, exactly one gets the row back. The others are told
why they were refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from seatguard.booking.domain import OrderStatus
from seatguard.booking.models import Event, Order, Seat, Ticket
from seatguard.common.errors import Conflict, NotFound
from seatguard.tickets.codes import verify_code
from seatguard.tickets.short_codes import looks_signed, normalise_short_code
from seatguard.tickets.views import TicketView, load_ticket_views


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckInResult:
    ticket_id: uuid.UUID
    order_id: uuid.UUID
    event_id: uuid.UUID
    event_name: str
    section: str
    row: str
    number: str
    holder_name: str
    holder_email: str | None
    checked_in_at: datetime


def check_in(
    session: Session,
    *,
    code: str,
    public_key: Ed25519PublicKey,
    now: datetime,
    event_id: uuid.UUID | None = None,
) -> CheckInResult:
    """Admit the ticket once; ``event_id`` (optional) is the event this door is for.

    ``code`` is the signed QR code or the short code printed under it; either way the
    ticket must exist, belong to the door's event, not be refunded and not be used yet.
    """
    ticket_id, ticket_event_id = identify_ticket(session, code=code, public_key=public_key)
    if event_id is not None and ticket_event_id != event_id:
        raise Conflict(
            "This ticket is for another event.",
            code="wrong_event",
            details={"eventId": str(ticket_event_id)},
        )
    # only a COMPLETED order's tickets admit: a refunded (or refunding) order's are void
    order_live = exists().where(Order.id == Ticket.order_id, Order.status == OrderStatus.COMPLETED)
    admitted = session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.checked_in_at.is_(None),
            Ticket.voided_at.is_(None),
            order_live,
        )
        .values(checked_in_at=now)
        .returning(Ticket.id)
    ).first()
    if admitted is None:
        _explain_refusal(session, ticket_id)
    return _result(session, ticket_id)


def identify_ticket(
    session: Session, *, code: str, public_key: Ed25519PublicKey
) -> tuple[uuid.UUID, uuid.UUID]:
    """(ticket id, event id) from a signed code (verified) or a short code (looked up)."""
    if looks_signed(code):
        claims = verify_code(code, public_key)
        return claims.ticket_id, claims.event_id
    found = session.execute(
        select(Ticket.id, Order.event_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(Ticket.short_code == normalise_short_code(code))
    ).first()
    if found is None:
        raise NotFound("No ticket has this short code.", code="unknown_short_code")
    return found.id, found.event_id


def _explain_refusal(session: Session, ticket_id: uuid.UUID) -> None:
    row = session.execute(
        select(Ticket.checked_in_at, Ticket.voided_at, Order.status)
        .join(Order, Order.id == Ticket.order_id)
        .where(Ticket.id == ticket_id)
    ).first()
    if row is None:
        raise NotFound("No such ticket.", code="unknown_ticket")
    if row.status in (OrderStatus.REFUNDED, OrderStatus.REFUNDING):
        raise Conflict("This ticket's order was refunded.", code="order_refunded")
    if row.voided_at is not None:
        raise Conflict("This ticket was refunded; it is void.", code="ticket_refunded")
    if row.status != OrderStatus.COMPLETED:
        raise Conflict("This ticket's order is not paid.", code="order_not_paid")
    when = row.checked_in_at
    raise Conflict(
        "This ticket was already used.",
        code="already_checked_in",
        details={"checkedInAt": when.isoformat() if when else None},
    )


def _result(session: Session, ticket_id: uuid.UUID) -> CheckInResult:
    ticket, seat, order, event = session.execute(
        select(Ticket, Seat, Order, Event)
        .join(Seat, Seat.id == Ticket.seat_id)
        .join(Order, Order.id == Ticket.order_id)
        .join(Event, Event.id == Order.event_id)
        .where(Ticket.id == ticket_id)
    ).one()
    assert ticket.checked_in_at is not None
    return CheckInResult(
        ticket_id=ticket.id,
        order_id=order.id,
        event_id=event.id,
        event_name=event.name,
        section=seat.section,
        row=seat.row,
        number=seat.number,
        holder_name=order.customer_name or order.customer_email or "",
        holder_email=order.customer_email,
        checked_in_at=ticket.checked_in_at,
    )


def order_for(session: Session, *, order_id: uuid.UUID, user_id: str, is_admin: bool) -> Order:
    """The order if the caller owns it (or is admin); 404 otherwise, so ids are not probed."""
    order = session.get(Order, order_id)
    if order is None or (order.user_id != user_id and not is_admin):
        raise NotFound("No such order.", code="order_not_found")
    return order


def list_tickets(
    session: Session, *, user_id: str | None, offset: int, limit: int
) -> tuple[list[TicketView], int]:
    """A page of the user's tickets (everyone's when ``user_id`` is None), newest first."""
    ids = select(Ticket.id).join(Order, Order.id == Ticket.order_id)
    if user_id is not None:
        ids = ids.where(Order.user_id == user_id)
    total = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    page = list(
        session.scalars(
            ids.order_by(Ticket.issued_at.desc(), Ticket.order_id, Ticket.id)
            .offset(offset)
            .limit(limit)
        )
    )
    by_id = {t.id: t for t in load_ticket_views(session, ticket_ids=page)}
    return [by_id[i] for i in page], int(total)
