"""Time running out, in one place.

* The lazy predicate: a hold is free the moment ``held_until`` passes — ``holds.free_now``
  in SQL and ``domain.effective_status`` in Python (a test keeps them in agreement). Nothing
  below is needed for correctness; it tidies and it settles.
* ``sweep_holds``: expired bare holds (no checkout waiting on them) back to AVAILABLE.
* ``expire_order``: an unpaid order whose time is up — the gateway's session is expired
  first, then the seats are freed. If the gateway says the session completed, the payment
  is reconciled instead (fulfilment is queued again), so seats are never freed under money.
* ``resume_refunds``: REFUNDING orders whose refund was interrupted or failed are refunded
  again (``refunds.refund_order`` is idempotent).

``sweep`` runs all of these once and answers with a typed ``SweepResult``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from seatguard.booking import live, partial_refunds
from seatguard.booking.domain import OPEN_ORDER_STATUSES, OrderStatus
from seatguard.booking.holds import AVAILABLE, LOCKED, SeatChange, unheld
from seatguard.booking.models import Order, Seat
from seatguard.booking.order_state import Fulfilment, Outcome, lock_order, release_seats
from seatguard.booking.refunds import refund_order, refunds_to_resume
from seatguard.common.db import Database
from seatguard.common.errors import NotFound
from seatguard.payments.gateway import PaymentGateway
from seatguard.queue.base import Queue

log = logging.getLogger("seatguard.expiry")


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    seats_freed: int = 0
    orders_expired: int = 0
    payments_reconciled: int = 0
    refunds_resumed: int = 0
    waitlist_offers: int = 0
    errors: int = 0

    def __add__(self, other: SweepResult) -> SweepResult:
        return SweepResult(
            seats_freed=self.seats_freed + other.seats_freed,
            orders_expired=self.orders_expired + other.orders_expired,
            payments_reconciled=self.payments_reconciled + other.payments_reconciled,
            refunds_resumed=self.refunds_resumed + other.refunds_resumed,
            waitlist_offers=self.waitlist_offers + other.waitlist_offers,
            errors=self.errors + other.errors,
        )


def sweep_expired_holds(session: Session, *, now: datetime, limit: int = 1000) -> list[SeatChange]:
    """Return expired holds that no checkout is waiting on to AVAILABLE (tidying only)."""
    batch = (
        select(Seat.id)
        .where(Seat.status == LOCKED, Seat.held_until <= now, Seat.order_id.is_(None))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("expired")
    )
    stmt = (
        update(Seat)
        .where(Seat.id.in_(select(batch.c.id)), Seat.status == LOCKED, Seat.held_until <= now)
        .values(unheld(now))
        .returning(Seat.id, Seat.event_id)
        .execution_options(synchronize_session=False)
    )
    return [
        SeatChange(event_id=r.event_id, seat_id=r.id, status=AVAILABLE)
        for r in session.execute(stmt).all()
    ]


def sweep_holds(db: Database, now: datetime) -> SweepResult:
    with db.unit_of_work() as session:
        changes = sweep_expired_holds(session, now=now)
        live.announce(session, changes)
    return SweepResult(seats_freed=len(changes))


def reconcile_job(session_id: str, now: datetime) -> tuple[dict[str, str], str]:
    """Fulfilment queued again for a session the gateway says completed (at most hourly)."""
    body = {"type": "payment.checkout_completed", "session_id": session_id}
    return body, f"reconcile:{session_id}:{now:%Y%m%d%H}"


def expire_order(
    *,
    db: Database,
    gateway: PaymentGateway,
    queue: Queue,
    order_id: uuid.UUID,
    now: datetime,
    reason: str = "hold_expired",
) -> Fulfilment:
    """An unpaid order's time is up: expire its session first, then free its seats."""
    with db.reader() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFound(f"No order {order_id}.", code="order_not_found")
        session_id = order.checkout_session_id
    if session_id:
        checkout = gateway.expire_checkout_session(session_id)
        if checkout.status == "complete":
            body, key = reconcile_job(session_id, now)
            queue.send(body, dedupe_key=key)
            return Fulfilment(outcome=Outcome.NOT_PAID, order_id=order_id)
    with db.unit_of_work() as session:
        order = lock_order(session, order_id)
        if order.status != OrderStatus.PENDING:
            freed = (
                release_seats(session, order.id, now) if order.status in OPEN_ORDER_STATUSES else []
            )
            live.announce(session, live.freed(order.event_id, freed))
            return Fulfilment(
                outcome=Outcome.ALREADY_DONE, order_id=order.id, seat_ids=tuple(freed)
            )
        order.status = OrderStatus.EXPIRED.value
        order.status_reason = reason
        order.updated_at = now
        freed = release_seats(session, order.id, now)
        live.announce(session, live.freed(order.event_id, freed))
    return Fulfilment(outcome=Outcome.EXPIRED, order_id=order_id, seat_ids=tuple(freed))


def due_for_expiry(db: Database, *, now: datetime, limit: int = 100) -> list[uuid.UUID]:
    """PENDING orders whose hold has run out, oldest first."""
    with db.reader() as session:
        return list(
            session.scalars(
                select(Order.id)
                .where(Order.status == OrderStatus.PENDING.value, Order.hold_expires_at <= now)
                .order_by(Order.hold_expires_at)
                .limit(limit)
            )
        )


def sweep_orders(
    *, db: Database, gateway: PaymentGateway, queue: Queue, now: datetime, limit: int = 100
) -> SweepResult:
    """Expire (or reconcile) due PENDING orders, then resume interrupted or failed refunds.

    One bad order does not stop the others; it is tried again at the next sweep.
    """
    expired = reconciled = resumed = errors = 0
    for order_id in due_for_expiry(db, now=now, limit=limit):
        try:
            outcome = expire_order(
                db=db, gateway=gateway, queue=queue, order_id=order_id, now=now
            ).outcome
        except Exception:
            log.exception("could not expire order %s", order_id)
            errors += 1
            continue
        expired += outcome is Outcome.EXPIRED
        reconciled += outcome is Outcome.NOT_PAID
    for order_id in refunds_to_resume(db, now=now, limit=limit):
        try:
            refund_order(db=db, gateway=gateway, queue=queue, order_id=order_id, reason="", now=now)
            resumed += 1
        except Exception:
            log.exception("could not resume the refund of order %s", order_id)
            errors += 1
    for refund_id in partial_refunds.refunds_to_resume(db, now=now, limit=limit):
        try:
            partial_refunds.ask_gateway(db=db, gateway=gateway, refund_id=refund_id, now=now)
            resumed += 1
        except Exception:
            log.exception("could not resume partial refund %s", refund_id)
            errors += 1
    return SweepResult(
        orders_expired=expired,
        payments_reconciled=reconciled,
        refunds_resumed=resumed,
        errors=errors,
    )
