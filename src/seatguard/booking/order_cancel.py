"""A buyer (or an admin) cancels an order before it is paid: gateway first, then the seats.

The Checkout Session is expired at the gateway before anything changes here, so no payment
can complete after the seats are freed. If the gateway says the session is already complete,
the order is paid (or being paid): the answer is 409 and fulfilment is queued, as the expiry
path does, so a lost webhook still ends in tickets. Cancelling again answers the same.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from seatguard.booking import live
from seatguard.booking.domain import OrderStatus, SeatStatus
from seatguard.booking.holds import unheld
from seatguard.booking.models import Order, Seat
from seatguard.booking.orders import load_owned_order
from seatguard.common.db import Database
from seatguard.common.errors import Conflict
from seatguard.common.security import Principal
from seatguard.payments.gateway import PaymentGateway
from seatguard.queue.base import Queue

PAID = (OrderStatus.COMPLETED.value, OrderStatus.REFUNDED.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cancellation:
    order_id: uuid.UUID
    event_id: uuid.UUID
    freed_seat_ids: tuple[uuid.UUID, ...]


def _paid(order_id: uuid.UUID) -> Conflict:
    return Conflict(
        "This order is paid or being paid; it can no longer be cancelled.",
        code="order_paid",
        details={"orderId": str(order_id)},
    )


def _not_open(order: Order) -> Conflict:
    return Conflict(
        f"This order is {order.status} and no longer awaits payment.",
        code="order_not_pending",
        details={"orderId": str(order.id), "status": order.status},
    )


def cancel_order(
    *,
    db: Database,
    gateway: PaymentGateway,
    queue: Queue,
    order_id: uuid.UUID,
    viewer: Principal,
    now: datetime,
) -> Cancellation:
    """Cancel an unpaid order of ``viewer`` (any order for an admin); 404 for others' orders."""
    with db.reader() as session:
        order = load_owned_order(session, order_id, viewer)
        status, session_id, event_id = order.status, order.checkout_session_id, order.event_id
    if status == OrderStatus.CANCELLED:
        return Cancellation(order_id=order_id, event_id=event_id, freed_seat_ids=())
    if status in PAID:
        raise _paid(order_id)
    if status == OrderStatus.PENDING and not session_id:  # its checkout is being created now
        raise Conflict(
            "This order's checkout is still being created; try again in a moment.",
            code="checkout_starting",
        )
    if session_id and status == OrderStatus.PENDING:
        checkout = gateway.expire_checkout_session(session_id)
        if checkout.status == "complete":
            queue.send(
                {"type": "payment.checkout_completed", "session_id": session_id},
                dedupe_key=f"reconcile:{session_id}",
            )
            raise _paid(order_id)
    with db.unit_of_work() as session:
        order = _lock(session, order_id)
        if order.status == OrderStatus.CANCELLED:
            return Cancellation(order_id=order_id, event_id=event_id, freed_seat_ids=())
        if order.status in PAID:
            raise _paid(order_id)
        if order.status != OrderStatus.PENDING:
            raise _not_open(order)
        order.status = OrderStatus.CANCELLED.value
        by = "buyer" if order.user_id == viewer.user_id else "admin"
        order.status_reason = f"cancelled_by_{by}"
        order.updated_at = now
        freed = _release_seats(session, order.id, now)
        live.announce(session, live.freed(order.event_id, freed))
    return Cancellation(order_id=order_id, event_id=event_id, freed_seat_ids=tuple(freed))


def _lock(session: Session, order_id: uuid.UUID) -> Order:
    return session.scalars(select(Order).where(Order.id == order_id).with_for_update()).one()


def _release_seats(session: Session, order_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """Free the seats still held for this order (never anyone else's, never a sold one)."""
    return sorted(
        session.execute(
            update(Seat)
            .where(Seat.order_id == order_id, Seat.status == SeatStatus.LOCKED.value)
            .values(unheld(now))
            .returning(Seat.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
