"""Finding orders for the back office: by email, name, reference, status, event and date."""

from __future__ import annotations

import contextlib
import re
import uuid
from datetime import datetime

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from seatguard.admin.schemas import OrderSummaryOut
from seatguard.booking.models import Event, Order, OrderItem

_REFERENCE = re.compile(r"^[0-9a-f]{8}$")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_orders(
    session: Session,
    *,
    q: str | None = None,
    status: str | None = None,
    event_id: uuid.UUID | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[OrderSummaryOut], int]:
    """Newest first. ``q`` is an order reference (8 hex digits), an order id, or part of the
    buyer's email or name."""
    seats = (
        select(func.count(OrderItem.id))
        .where(OrderItem.order_id == Order.id)
        .correlate(Order)
        .scalar_subquery()
    )
    query = select(Order, Event.name, seats.label("seats")).join_from(
        Order, Event, Event.id == Order.event_id
    )
    text = (q or "").strip()
    if text:
        wanted = text.lower().replace("-", "")
        matches: list[ColumnElement[bool]] = [
            func.lower(Order.customer_email).like(_like(text.lower()), escape="\\"),
            func.lower(Order.customer_name).like(_like(text.lower()), escape="\\"),
        ]
        if _REFERENCE.match(wanted):
            matches.append(func.lower(cast(Order.id, String)).like(f"{wanted}%"))
        with contextlib.suppress(ValueError):
            matches.append(Order.id == uuid.UUID(text))
        query = query.where(or_(*matches))
    if status:
        query = query.where(Order.status == status)
    if event_id is not None:
        query = query.where(Order.event_id == event_id)
    if created_from is not None:
        query = query.where(Order.created_at >= created_from)
    if created_before is not None:
        query = query.where(Order.created_at < created_before)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Order.created_at.desc(), Order.id).offset(offset).limit(limit)
    ).all()
    return [
        OrderSummaryOut(
            id=order.id,
            reference=order.id.hex[:8].upper(),
            status=order.status,
            status_reason=order.status_reason,
            amount=order.amount_total,
            currency=order.currency,
            event_id=order.event_id,
            event_name=event_name,
            customer_name=order.customer_name,
            customer_email=order.customer_email,
            user_id=order.user_id,
            seats=seat_count,
            created_at=order.created_at,
            completed_at=order.completed_at,
        )
        for order, event_name, seat_count in rows
    ], total
