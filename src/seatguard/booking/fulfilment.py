"""Fulfilment of paid checkouts: sell the order's seats and issue its tickets, or refund.

Every step is idempotent: the order row is locked first and its status decides what is left
to do, so a redelivered message, a duplicate webhook or a retry after a crash changes
nothing the second time. The seats move with one conditional UPDATE whose row count is the
answer; a payment whose seats went to someone else, whose event was cancelled or has
started, or whose amount is wrong is refunded (``refunds.refund_order``), never sold. A
payment that lands after sales closed is sold: its checkout began while the event sold.

A session that completed without the money (``payment_status=unpaid``: a bank debit still
clearing) keeps its seats held until the gateway's ``async_payment_succeeded`` or
``…_failed`` arrives, up to ``ASYNC_PAYMENT_WINDOW`` (and never past the event's start).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, and_, bindparam, or_, select, update

from seatguard.booking import live
from seatguard.booking.domain import (
    FINAL_ORDER_STATUSES,
    OPEN_ORDER_STATUSES,
    EventStatus,
    OrderStatus,
    SeatStatus,
)
from seatguard.booking.holds import SEATS, free_now
from seatguard.booking.models import Event, Order, Seat
from seatguard.booking.order_state import (
    Fulfilment,
    Outcome,
    email_job,
    lock_order,
    order_id_of,
    release_seats,
)
from seatguard.booking.refunds import refund_order
from seatguard.common.db import Database
from seatguard.common.errors import NotFound
from seatguard.payments.gateway import CheckoutSession, PaymentGateway
from seatguard.queue.base import Queue
from seatguard.tickets.issue import SEATS_OF, SeatRow, issue_tickets

log = logging.getLogger("seatguard.fulfilment")

ASYNC_PAYMENT_WINDOW = timedelta(days=14)


class _CannotSell(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The sale's statements, built once with bound parameters (compiled once per engine from
# SQLAlchemy's cache) and run as Core: no ORM entity is loaded or flushed on this path.
_LOCK_ORDER = (
    select(
        Order.status,
        Order.event_id,
        Order.user_id,
        Order.amount_total,
        Order.currency,
        Order.customer_email,
        Order.customer_name,
    )
    .where(Order.id == bindparam("order_id"))
    .with_for_update()
)
# FOR SHARE: a cancellation waits for this sale to commit (and its refund job then sees it),
# or this sale waits for the cancellation and sees it.
_EVENT = (
    select(Event.status, Event.starts_at)
    .where(Event.id == bindparam("event_id"))
    .with_for_update(read=True)
)
_COMPLETE = (
    update(Order)
    .where(Order.id == bindparam("order_id"))
    .values(
        status=OrderStatus.COMPLETED.value,
        status_reason=None,
        completed_at=bindparam("now"),
        updated_at=bindparam("now"),
        payment_intent_id=bindparam("payment_intent"),
        customer_email=bindparam("paid_email"),
        customer_name=bindparam("paid_name"),
    )
    .execution_options(synchronize_session=False)
)


_SEATS = SEATS.c
# The order's seats, if each is still held for it or free; on the table (Core).
_SELL = (
    update(SEATS)
    .where(
        _SEATS.id.in_(bindparam("seat_ids", expanding=True)),
        or_(
            and_(
                _SEATS.status == SeatStatus.LOCKED.value,
                _SEATS.order_id == bindparam("sale_order"),
            ),
            free_now(bindparam("sale_at"), _SEATS),
        ),
    )
    .values(
        status=SeatStatus.SOLD.value,
        held_by=bindparam("sale_user"),
        held_until=None,
        order_id=bindparam("sale_order"),
        version=_SEATS.version + 1,
        updated_at=bindparam("sale_at"),
    )
    .returning(_SEATS.id)
)


class _OrderRow(Protocol):
    @property
    def event_id(self) -> uuid.UUID: ...
    @property
    def amount_total(self) -> int: ...
    @property
    def currency(self) -> str: ...


def _check_sellable(
    conn: Connection, order: _OrderRow, checkout: CheckoutSession, now: datetime
) -> None:
    matches = (
        checkout.amount_total == order.amount_total
        and (checkout.currency or "").lower() == order.currency
    )
    if not matches:
        raise _CannotSell("amount_mismatch")
    event = conn.execute(_EVENT, {"event_id": order.event_id}).one()
    # A checkout is only opened while the event sells (``sales_rules.refuse_sale``); a payment
    # confirmed after sales closed (by hand or by the window's end) still sells, as pretix
    # does: the buyer did everything in time. Only a cancelled event refunds.
    if event.status == EventStatus.CANCELLED:
        raise _CannotSell("event_cancelled")
    if event.status not in (EventStatus.ON_SALE, EventStatus.SALES_CLOSED):
        raise _CannotSell("event_not_on_sale")
    if event.starts_at <= now:
        raise _CannotSell("event_started")


def _take_seats(
    conn: Connection, order_id: uuid.UUID, user_id: str, seats: Sequence[SeatRow], now: datetime
) -> tuple[uuid.UUID, ...]:
    """Sell the order's seats if all are still its own or free; raise if any went elsewhere."""
    seat_ids = [seat.id for seat in seats]
    params = {"seat_ids": seat_ids, "sale_order": order_id, "sale_user": user_id, "sale_at": now}
    sold = conn.execute(_SELL, params).scalars().all()
    if len(sold) != len(seat_ids):
        raise _CannotSell("seats_taken")
    return tuple(sorted(sold))


def fulfil(
    *,
    db: Database,
    gateway: PaymentGateway,
    queue: Queue,
    session_id: str,
    now: datetime,
    ticket_key: Ed25519PrivateKey,
) -> Fulfilment:
    """Handle a completed checkout session: sell, wait for an async payment, or refund."""
    checkout = gateway.retrieve_checkout_session(session_id)  # never trust the webhook body
    order_id = order_id_of(checkout)
    if checkout.status == "complete" and checkout.payment_status == "unpaid":
        return _await_payment(db, order_id, now)
    if checkout.status != "complete" or checkout.payment_status != "paid":
        log.warning(
            "session %s is %s/%s; nothing to fulfil",
            session_id,
            checkout.status,
            checkout.payment_status,
        )
        return Fulfilment(outcome=Outcome.NOT_PAID, order_id=order_id)

    try:
        with db.unit_of_work() as session:
            # The sale's own statements run on the session's connection (Core: no ORM
            # execution per statement); the session carries the live-map announcement and
            # the email job, published and sent when it commits.
            conn = session.connection()
            order = conn.execute(_LOCK_ORDER, {"order_id": order_id}).one_or_none()
            if order is None:
                raise NotFound(f"No order {order_id}.", code="order_not_found")
            if order.status not in OPEN_ORDER_STATUSES:
                return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order_id)
            if order.status == OrderStatus.CANCELLED:
                raise _CannotSell("order_cancelled")
            _check_sellable(conn, order, checkout, now)
            items = conn.execute(SEATS_OF, {"order_id": order_id}).all()
            seats = _take_seats(conn, order_id, order.user_id, items, now)  # or _CannotSell
            conn.execute(
                _COMPLETE,
                {
                    "order_id": order_id,
                    "now": now,
                    "payment_intent": checkout.payment_intent,
                    "paid_email": checkout.customer_email or order.customer_email,
                    "paid_name": checkout.customer_name or order.customer_name,
                },
            )
            issue_tickets(
                conn,
                order_id=order_id,
                private_key=ticket_key,
                now=now,
                event_id=order.event_id,
                seats=items,
            )
            live.announce(session, live.sold(order.event_id, seats))
            body, key = email_job(order_id, "confirmation")
            queue.send(body, session=session, dedupe_key=key)
            return Fulfilment(outcome=Outcome.COMPLETED, order_id=order_id, seat_ids=seats)
    except _CannotSell as exc:
        log.warning("order %s cannot be sold (%s): refunding", order_id, exc.reason)
        return refund_order(
            db=db,
            gateway=gateway,
            queue=queue,
            order_id=order_id,
            reason=exc.reason,
            now=now,
            payment_intent_id=checkout.payment_intent,
        )


def _await_payment(db: Database, order_id: uuid.UUID, now: datetime) -> Fulfilment:
    """The buyer completed the checkout but the money is still on its way: keep the seats
    held for the order until the outcome arrives (bounded by the window and the event)."""
    with db.unit_of_work() as session:
        order = lock_order(session, order_id)
        if order.status != OrderStatus.PENDING:
            return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order_id)
        event = session.get(Event, order.event_id)
        assert event is not None
        until = min(order.created_at + ASYNC_PAYMENT_WINDOW, event.starts_at)
        if until <= now:  # too late to wait any longer: a success after this is refunded
            order.status = OrderStatus.FAILED.value
            order.status_reason = "async_payment_timeout"
            order.updated_at = now
            freed = release_seats(session, order_id, now)
            live.announce(session, live.freed(order.event_id, freed))
            return Fulfilment(outcome=Outcome.FAILED, order_id=order_id, seat_ids=tuple(freed))
        order.hold_expires_at = max(order.hold_expires_at or now, until)
        order.status_reason = "awaiting_payment"
        order.updated_at = now
        session.execute(
            update(Seat)
            .where(Seat.order_id == order_id, Seat.status == SeatStatus.LOCKED.value)
            .values(held_until=order.hold_expires_at, updated_at=now, version=Seat.version + 1)
            .execution_options(synchronize_session=False)
        )
    return Fulfilment(outcome=Outcome.AWAITING_PAYMENT, order_id=order_id)


def fail_async_payment(
    *, db: Database, gateway: PaymentGateway, session_id: str, now: datetime
) -> Fulfilment:
    """``checkout.session.async_payment_failed``: the money never came; free the seats."""
    checkout = gateway.retrieve_checkout_session(session_id)
    order_id = order_id_of(checkout)
    if checkout.payment_status == "paid":  # out of order: the success is what counts
        return Fulfilment(outcome=Outcome.NOT_PAID, order_id=order_id)
    with db.unit_of_work() as session:
        order = lock_order(session, order_id)
        if order.status in FINAL_ORDER_STATUSES or order.status == OrderStatus.REFUNDING:
            return Fulfilment(outcome=Outcome.ALREADY_DONE, order_id=order_id)
        order.status = OrderStatus.FAILED.value
        order.status_reason = "async_payment_failed"
        order.updated_at = now
        freed = release_seats(session, order_id, now)
        live.announce(session, live.freed(order.event_id, freed))
    return Fulfilment(outcome=Outcome.FAILED, order_id=order_id, seat_ids=tuple(freed))
