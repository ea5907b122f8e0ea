"""One order as the back office shows it: items, payment, refunds, tickets, emails sent."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatguard.booking import orders
from seatguard.booking.models import Order, OrderItem, OrderRefund, Seat, Ticket
from seatguard.common.errors import NotFound
from seatguard.common.schemas import CamelModel
from seatguard.notify.models import EmailSend


class TicketStateOut(CamelModel):
    id: uuid.UUID
    seat_id: uuid.UUID
    label: str
    short_code: str
    checked_in_at: datetime | None
    voided_at: datetime | None


class RefundOut(CamelModel):
    id: uuid.UUID
    amount: int
    whole: bool
    status: str | None
    gateway_refund_id: str | None
    attempts: int
    reason: str
    requested_by: str
    created_at: datetime
    seat_ids: list[uuid.UUID]


class EmailSentOut(CamelModel):
    kind: str
    claimed_at: datetime
    sent_at: datetime | None


class OrderDetailOut(CamelModel):
    reference: str
    customer_name: str | None
    customer_email: str | None
    gateway_refund_id: str | None
    order: orders.OrderOut
    refunds: list[RefundOut]
    tickets: list[TicketStateOut]
    emails: list[EmailSentOut]


def order_detail(session: Session, order_id: uuid.UUID) -> OrderDetailOut:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    refunded: dict[uuid.UUID, list[uuid.UUID]] = {}
    for seat_id, refund_id in _item_refunds(session, order_id):
        refunded.setdefault(refund_id, []).append(seat_id)
    rows = session.scalars(
        select(OrderRefund).where(OrderRefund.order_id == order_id).order_by(OrderRefund.created_at)
    ).all()
    tickets = session.execute(
        select(Ticket, Seat)
        .join(Seat, Seat.id == Ticket.seat_id)
        .where(Ticket.order_id == order_id)
        .order_by(Seat.section, Seat.row, Seat.number)
    ).all()
    emails = session.scalars(
        select(EmailSend).where(EmailSend.order_id == order_id).order_by(EmailSend.claimed_at)
    ).all()
    return OrderDetailOut(
        reference=order.id.hex[:8].upper(),
        customer_name=order.customer_name,
        customer_email=order.customer_email,
        gateway_refund_id=order.refund_id,
        order=orders.order_out(session, order, admin=True),
        refunds=[
            RefundOut(
                id=r.id,
                amount=r.amount,
                whole=r.whole,
                status=r.status,
                gateway_refund_id=r.gateway_refund_id,
                attempts=r.attempts,
                reason=r.reason,
                requested_by=r.requested_by,
                created_at=r.created_at,
                seat_ids=refunded.get(r.id, []),
            )
            for r in rows
        ],
        tickets=[
            TicketStateOut(
                id=t.id,
                seat_id=s.id,
                label=f"{s.section} {s.row}{s.number}",
                short_code=t.short_code,
                checked_in_at=t.checked_in_at,
                voided_at=t.voided_at,
            )
            for t, s in tickets
        ],
        emails=[
            EmailSentOut(kind=e.kind, claimed_at=e.claimed_at, sent_at=e.sent_at) for e in emails
        ],
    )


def _item_refunds(session: Session, order_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
    return [
        (seat_id, refund_id)
        for seat_id, refund_id in session.execute(
            select(OrderItem.seat_id, OrderItem.refund_id).where(
                OrderItem.order_id == order_id, OrderItem.refund_id.is_not(None)
            )
        ).all()
        if refund_id is not None
    ]
