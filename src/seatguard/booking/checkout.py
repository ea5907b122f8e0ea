"""Checkout: hold (or reuse the buyer's holds), price from the database, open a payment session.

Two short transactions around one gateway call, never a transaction held open over the
network: (1) hold the seats for a new PENDING order at database prices; (2) record the
gateway's session on the order. If the gateway fails, the order is marked FAILED and the
seats stay held by the buyer, detached from it, until their hold runs out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from seatguard.booking import live
from seatguard.booking.domain import OrderStatus, SeatStatus, order_total
from seatguard.booking.holds import hold_seats
from seatguard.booking.models import Event, Order, OrderItem, Seat
from seatguard.booking.sales_rules import refuse_sale, window_of
from seatguard.common.db import Database
from seatguard.common.errors import AppError, Invalid
from seatguard.payments.gateway import GatewayError, LineItem, PaymentGateway

# Stripe refuses a Checkout Session that expires sooner than 30 minutes from *its* now; our
# clock may run behind Stripe's, so ask for 30 minutes plus a margin for clock skew.
STRIPE_MIN_SESSION = timedelta(minutes=30)
CLOCK_SKEW_MARGIN = timedelta(minutes=3)
SESSION_LIFETIME = STRIPE_MIN_SESSION + CLOCK_SKEW_MARGIN


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutResult:
    order_id: uuid.UUID
    session_id: str
    url: str
    amount_total: int
    currency: str
    hold_expires_at: datetime
    seat_ids: tuple[uuid.UUID, ...]
    reused: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutRequest:
    user_id: str
    seat_ids: Sequence[uuid.UUID]
    currency: str | None
    customer_email: str | None
    success_url: str
    cancel_url: str


def _open_order_for(
    session: Session, *, user_id: str, seat_ids: set[uuid.UUID], now: datetime
) -> CheckoutResult | None:
    """The buyer's live PENDING order for exactly these seats, if a session is already open."""
    rows = session.execute(
        select(Seat.id, Seat.order_id, Seat.held_by, Seat.held_until, Seat.status).where(
            Seat.id.in_(seat_ids)
        )
    ).all()
    orders = {r.order_id for r in rows}
    if len(rows) != len(seat_ids) or len(orders) != 1 or None in orders:
        return None
    if any(
        r.status != SeatStatus.LOCKED or r.held_by != user_id or r.held_until <= now for r in rows
    ):
        return None
    order = session.get(Order, orders.pop())
    if (
        order is None
        or order.status != OrderStatus.PENDING
        or not order.checkout_session_id
        or not order.checkout_url
    ):
        return None
    items = set(session.scalars(select(OrderItem.seat_id).where(OrderItem.order_id == order.id)))
    if items != seat_ids or order.hold_expires_at is None:
        return None
    event = session.get(Event, order.event_id)
    assert event is not None  # an order's event is never deleted
    refuse_sale(window_of(event), now=now)  # an open session is not handed out after sales end
    return CheckoutResult(
        order_id=order.id,
        session_id=order.checkout_session_id,
        url=order.checkout_url,
        amount_total=order.amount_total,
        currency=order.currency,
        hold_expires_at=order.hold_expires_at,
        seat_ids=tuple(sorted(seat_ids)),
        reused=True,
    )


def _place_order(
    session: Session,
    *,
    request: CheckoutRequest,
    now: datetime,
    hold_for: timedelta,
    max_per_event: int,
) -> tuple[Order, list[LineItem]]:
    order_id = uuid.uuid4()
    hold = hold_seats(
        session,
        seat_ids=request.seat_ids,
        user_id=request.user_id,
        now=now,
        hold_for=hold_for,
        max_per_event=max_per_event,
        order_id=order_id,
    )
    live.announce(session, live.hold_changes(hold), held_until=hold.expires_at)
    event = session.get(Event, hold.event_id)
    assert event is not None  # hold_seats checked it
    if request.currency and request.currency.lower() != event.currency:
        raise Invalid(f"This event is sold in {event.currency.upper()}.", code="currency_mismatch")
    seats = session.scalars(select(Seat).where(Seat.id.in_(hold.seat_ids)).order_by(Seat.id)).all()
    total = order_total([s.price_minor for s in seats])
    order = Order(
        id=order_id,
        user_id=request.user_id,
        event_id=event.id,
        status=OrderStatus.PENDING.value,
        currency=event.currency,
        amount_total=total,
        customer_email=request.customer_email,
        hold_expires_at=hold.expires_at,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.add_all(OrderItem(order_id=order_id, seat_id=s.id, amount=s.price_minor) for s in seats)
    items = [
        LineItem(name=f"{event.name} — {s.section} {s.row}{s.number}", unit_amount=s.price_minor)
        for s in seats
    ]
    return order, items


def _fill(template: str, *, order_id: uuid.UUID) -> str:
    # {CHECKOUT_SESSION_ID} is left for the gateway to fill in, as Stripe does.
    return template.replace("{ORDER_ID}", str(order_id))


def start_checkout(
    *,
    db: Database,
    gateway: PaymentGateway,
    request: CheckoutRequest,
    now: datetime,
    hold_for: timedelta,
    max_per_event: int,
) -> CheckoutResult:
    wanted = set(request.seat_ids)
    if not wanted:
        raise Invalid("Name at least one seat.", code="no_seats")
    with db.reader() as session:
        existing = _open_order_for(session, user_id=request.user_id, seat_ids=wanted, now=now)
    if existing is not None:
        return existing

    with db.unit_of_work() as session:
        order, items = _place_order(
            session, request=request, now=now, hold_for=hold_for, max_per_event=max_per_event
        )
    assert order.hold_expires_at is not None
    try:
        checkout = gateway.create_checkout_session(
            order_id=str(order.id),
            user_id=request.user_id,
            currency=order.currency,
            line_items=items,
            success_url=_fill(request.success_url, order_id=order.id),
            cancel_url=_fill(request.cancel_url, order_id=order.id),
            expires_at=now + SESSION_LIFETIME,
            customer_email=request.customer_email,
            idempotency_key=f"checkout-{order.id}",
            hold_expires_at=order.hold_expires_at,
        )
    except GatewayError as exc:
        _fail_order(db, order_id=order.id, now=now, reason="gateway_error")
        raise AppError(
            "The payment provider is unavailable; try again shortly.",
            code="payment_gateway_unavailable",
            status_code=503,
        ) from exc
    with db.unit_of_work() as session:
        session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(checkout_session_id=checkout.id, checkout_url=checkout.url, updated_at=now)
        )
    return CheckoutResult(
        order_id=order.id,
        session_id=checkout.id,
        url=checkout.url or "",
        amount_total=order.amount_total,
        currency=order.currency,
        hold_expires_at=order.hold_expires_at,
        seat_ids=tuple(sorted(wanted)),
        reused=False,
    )


def _fail_order(db: Database, *, order_id: uuid.UUID, now: datetime, reason: str) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == OrderStatus.PENDING.value)
            .values(status=OrderStatus.FAILED.value, status_reason=reason, updated_at=now)
        )
        session.execute(
            update(Seat)
            .where(Seat.order_id == order_id, Seat.status == SeatStatus.LOCKED.value)
            .values(order_id=None, updated_at=now)
        )
