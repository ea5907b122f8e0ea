"""Booking tables: events, seats, orders and their items, tickets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from seatguard.booking.domain import EventStatus, OrderStatus, SeatStatus
from seatguard.booking.text import search_document
from seatguard.common.db import Base, UTCDateTime


def one_of(column: str, values: type[EventStatus | OrderStatus | SeatStatus]) -> str:
    """SQL for a CHECK constraint: ``column`` holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (CheckConstraint(one_of("status", EventStatus), name="ck_events_status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    artist: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str] = mapped_column(String(20), index=True)
    poster_url: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[str] = mapped_column(String(16), default="ON_SALE")
    # the sales window (optional): holds and checkouts from the first, until the second
    sales_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sales_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # name, artist and location folded for searching (see booking/text.py); kept by the ORM
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")


@event.listens_for(Event, "before_insert")
@event.listens_for(Event, "before_update")
def _fold_search_text(_mapper: object, _connection: object, target: Event) -> None:
    target.search_text = search_document(target.name, target.artist, target.location)


class Seat(Base):
    __tablename__ = "seats"
    __table_args__ = (
        UniqueConstraint("event_id", "section", "row", "number", name="uq_seat_position"),
        Index("ix_seats_event_status", "event_id", "status"),
        Index("ix_seats_holder", "held_by", "event_id", "status"),
        CheckConstraint(one_of("status", SeatStatus), name="ck_seats_status"),
        # a hold always has an expiry: "free" needs no special case for a hold without one
        CheckConstraint("status <> 'LOCKED' OR held_until IS NOT NULL", name="ck_seats_hold_ends"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(40))
    row: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(10))
    price_minor: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="AVAILABLE")
    held_by: Mapped[str | None] = mapped_column(String(64), default=None)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    order_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # a wheelchair space; and how many empty positions (an aisle, missing seats) come before
    # this seat in its row, so the map draws the row as the venue has it
    accessible: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    gap_before: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_pending_expiry", "status", "hold_expires_at"),
        CheckConstraint(one_of("status", OrderStatus), name="ck_orders_status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"))
    status: Mapped[str] = mapped_column(String(12), default="PENDING", index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_total: Mapped[int] = mapped_column(Integer)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text, default=None)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), default=None)
    customer_email: Mapped[str | None] = mapped_column(String(320), default=None)
    customer_name: Mapped[str | None] = mapped_column(String(200), default=None)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    refund_id: Mapped[str | None] = mapped_column(String(255), default=None)
    # the gateway's word on the refund: pending | succeeded | failed | canceled | requires_action
    refund_status: Mapped[str | None] = mapped_column(String(20), default=None)
    refund_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status_reason: Mapped[str | None] = mapped_column(String(100), default=None)


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "seat_id", name="uq_order_item_seat"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    seat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seats.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    # set when this item alone was refunded (the order stays COMPLETED for the others)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("order_refunds.id"), default=None, index=True
    )


class OrderRefund(Base):
    """Money given back for some of an order's seats; one row per refund request.

    ``status`` is the gateway's word (None until it answered); a failed one is asked again
    with a new idempotency key (``attempts``) by the sweeper, a pending one is polled.
    """

    __tablename__ = "order_refunds"
    __table_args__ = (UniqueConstraint("order_id", "request_key", name="uq_order_refund_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    request_key: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(Integer)
    # the whole order (refunded by ``refunds.refund_order``); this row only keeps the request
    whole: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    requested_by: Mapped[str] = mapped_column(String(320))
    gateway_refund_id: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[str | None] = mapped_column(String(20), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Ticket(Base):
    __tablename__ = "tickets"
    # one live ticket per seat; a refunded seat keeps its void ticket and may be sold again
    __table_args__ = (
        Index(
            "uq_tickets_live_seat",
            "seat_id",
            unique=True,
            sqlite_where=text("voided_at IS NULL"),
            postgresql_where=text("voided_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    seat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seats.id"))
    code: Mapped[str] = mapped_column(Text)
    # 12 random Crockford base32 symbols (see seatguard.tickets.short_codes), unique.
    short_code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # a refunded ticket: refused at the door, left out of PDFs and emails
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
