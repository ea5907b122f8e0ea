"""Order read models for buyers and operators (the original's field names kept)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatguard.booking.domain import minor_to_major
from seatguard.booking.models import Event, Order, OrderItem, OrderRefund, Seat
from seatguard.common.errors import NotFound
from seatguard.common.schemas import CamelModel
from seatguard.common.security import Principal
from seatguard.payments.models import Dispute
from seatguard.tickets.formatting import format_start


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRow:
    seat_id: uuid.UUID
    section: str
    row: str
    number: str
    price_minor: int
    status: str
    updated_at: datetime
    refunded: bool = False

    @property
    def label(self) -> str:
        return f"{self.section} {self.row}{self.number}"


class OrderItemOut(CamelModel):
    id: uuid.UUID = Field(description="The seat's id")
    seat_id: uuid.UUID
    section: str
    row: str
    number: str
    price: float
    price_minor: int
    status: str
    updated_at: datetime
    event_hour: datetime
    refunded: bool = Field(default=False, description="This seat alone was refunded")


class DisputeOut(CamelModel):
    id: str
    status: str
    reason: str
    amount: int = Field(description="Disputed amount in minor units")
    currency: str
    created_at: datetime
    updated_at: datetime


class OrderOut(CamelModel):
    id: uuid.UUID
    reference: str = Field(description="The short reference printed on emails and tickets")
    user_id: str
    status: str
    status_reason: str | None
    amount: int = Field(description="Total in minor units")
    currency: str
    event_id: uuid.UUID
    event_name: str
    event_hour: datetime
    event_location: str = Field(description="The venue")
    event_timezone: str = Field(description="The event's IANA time zone")
    event_time: str = Field(
        description="The event's start in its own zone, written in the caller's language"
    )
    created_at: datetime
    completed_at: datetime | None
    hold_expires_at: datetime | None
    payment_provider_id: str | None = Field(description="The checkout session id")
    payment_intent_id: str | None
    checkout_url: str | None = Field(description="Where to pay, while the order is PENDING")
    items: list[OrderItemOut]
    download_url: str | None = Field(
        default=None, description="Signed, expiring link to the tickets' PDF (paid orders)"
    )
    refund_status: str | None = Field(
        default=None, description="The gateway's refund status (pending, succeeded, failed…)"
    )
    refunded_amount: int = Field(
        default=0, description="Minor units given back (or on their way back) to the buyer"
    )
    disputes: list[DisputeOut] | None = Field(
        default=None, description="Chargebacks on this order's payment (admins only)"
    )


DownloadLinks = Callable[[uuid.UUID], str]


class CheckoutSummaryOut(CamelModel):
    order_id: uuid.UUID
    customer_name: str | None
    customer_email: str | None
    payment_provider: str
    payment_intent_id: str | None
    amount: int
    currency: str
    status: str


def order_items(session: Session, order_id: uuid.UUID) -> list[ItemRow]:
    rows = session.execute(
        select(Seat, OrderItem.amount, OrderItem.refund_id)
        .join(OrderItem, OrderItem.seat_id == Seat.id)
        .where(OrderItem.order_id == order_id)
        .order_by(Seat.section, Seat.row, Seat.number)
    ).all()
    return [
        ItemRow(
            seat_id=seat.id,
            section=seat.section,
            row=seat.row,
            number=seat.number,
            price_minor=amount,
            status=seat.status if seat.order_id == order_id else "RELEASED",
            updated_at=seat.updated_at,
            refunded=refund_id is not None,
        )
        for seat, amount, refund_id in rows
    ]


def refunded_amount(session: Session, order: Order) -> int:
    """Minor units given back, or on their way back, to the buyer of ``order``."""
    if order.status in ("REFUNDING", "REFUNDED"):
        return order.amount_total
    given = session.scalar(
        select(func.coalesce(func.sum(OrderRefund.amount), 0)).where(
            OrderRefund.order_id == order.id, OrderRefund.whole.is_(False)
        )
    )
    return int(given or 0)


def load_owned_order(session: Session, order_id: uuid.UUID, viewer: Principal) -> Order:
    """The order if the viewer owns it or is an admin; 404 otherwise (no existence leak)."""
    order = session.get(Order, order_id)
    if order is None or (order.user_id != viewer.user_id and not viewer.is_admin):
        raise NotFound("No such order.", code="order_not_found")
    return order


def order_disputes(session: Session, order_id: uuid.UUID) -> list[DisputeOut]:
    rows = session.scalars(
        select(Dispute).where(Dispute.order_id == order_id).order_by(Dispute.created_at)
    )
    return [
        DisputeOut(
            id=d.id,
            status=d.status,
            reason=d.reason,
            amount=d.amount,
            currency=d.currency,
            created_at=d.created_at,
            updated_at=d.updated_at,
        )
        for d in rows
    ]


def order_out(
    session: Session,
    order: Order,
    *,
    links: DownloadLinks | None = None,
    admin: bool = False,
    language: str | None = None,
) -> OrderOut:
    event = session.get(Event, order.event_id)
    assert event is not None
    return OrderOut(
        id=order.id,
        reference=order.id.hex[:8].upper(),
        user_id=order.user_id,
        status=order.status,
        status_reason=order.status_reason,
        amount=order.amount_total,
        currency=order.currency,
        event_id=event.id,
        event_name=event.name,
        event_hour=event.starts_at,
        event_location=event.location,
        event_timezone=event.timezone,
        event_time=format_start(event.starts_at, event.timezone, language),
        created_at=order.created_at,
        completed_at=order.completed_at,
        hold_expires_at=order.hold_expires_at,
        payment_provider_id=order.checkout_session_id,
        payment_intent_id=order.payment_intent_id,
        checkout_url=order.checkout_url if order.status == "PENDING" else None,
        items=[
            OrderItemOut(
                id=i.seat_id,
                seat_id=i.seat_id,
                section=i.section,
                row=i.row,
                number=f"{i.row}{i.number}",
                price=minor_to_major(i.price_minor),
                price_minor=i.price_minor,
                status=i.status,
                updated_at=i.updated_at,
                event_hour=event.starts_at,
                refunded=i.refunded,
            )
            for i in order_items(session, order.id)
        ],
        download_url=links(order.id) if links and order.status == "COMPLETED" else None,
        refund_status=order.refund_status,
        refunded_amount=refunded_amount(session, order),
        disputes=order_disputes(session, order.id) if admin else None,
    )


def list_orders(
    session: Session,
    *,
    user_id: str | None,
    offset: int,
    limit: int,
    links: DownloadLinks | None = None,
    language: str | None = None,
) -> tuple[list[OrderOut], int]:
    """Newest first; ``user_id=None`` lists everyone's (admins)."""
    query = select(Order)
    if user_id is not None:
        query = query.where(Order.user_id == user_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    orders = session.scalars(
        query.order_by(Order.created_at.desc(), Order.id).offset(offset).limit(limit)
    ).all()
    admin = user_id is None
    views = [order_out(session, o, links=links, admin=admin, language=language) for o in orders]
    return views, total


def checkout_summary(order: Order, *, provider: str) -> CheckoutSummaryOut:
    return CheckoutSummaryOut(
        order_id=order.id,
        customer_name=order.customer_name,
        customer_email=order.customer_email,
        payment_provider=provider,
        payment_intent_id=order.payment_intent_id,
        amount=order.amount_total,
        currency=order.currency,
        status=order.status,
    )
