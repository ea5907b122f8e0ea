"""What the worker does with each message type; shared by the worker process and the Lambda."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from seatguard.booking import cancellation, expiry, fulfilment, refunds
from seatguard.booking.models import Order
from seatguard.booking.order_state import Fulfilment, Outcome, order_id_of
from seatguard.booking.sweeper import SweepStep
from seatguard.common import metrics
from seatguard.common.clock import Clock
from seatguard.common.db import Database
from seatguard.payments import outcomes
from seatguard.runtime import Services, build_services
from seatguard.settings import get_settings
from seatguard.waitlist import offers
from seatguard.worker.runner import Handler, current_attempt

log = logging.getLogger("seatguard.worker")


def build_handlers(services: Services) -> dict[str, Handler]:
    def checkout_completed(body: dict[str, Any]) -> None:
        session_id = str(body["session_id"])
        try:
            with metrics.FULFILMENT_FAILURES.count_exceptions():
                result = fulfilment.fulfil(
                    db=services.db,
                    gateway=services.gateway,
                    queue=services.queue,
                    session_id=session_id,
                    now=services.clock(),
                    ticket_key=services.ticket_keys.private_key,
                )
        except Exception as exc:
            # a retry may get past a crash or an outage; on the last attempt, give up cleanly
            if current_attempt() < services.settings.queue_max_attempts:
                raise
            result = _give_up(session_id, exc)
        metrics.record_fulfilment(outcome=result.outcome, seats=len(result.seat_ids))
        log.info("order %s: %s", result.order_id, result.outcome)

    def _give_up(session_id: str, exc: Exception) -> Fulfilment:
        """Fulfilment cannot succeed: if the session was paid, the money goes back."""
        log.error("fulfilment of session %s gave up: %r", session_id, exc, exc_info=exc)
        checkout = services.gateway.retrieve_checkout_session(session_id)
        order_id = order_id_of(checkout)
        if checkout.payment_status != "paid":
            return Fulfilment(outcome=Outcome.NOT_PAID, order_id=order_id)
        return refunds.refund_order(
            db=services.db,
            gateway=services.gateway,
            queue=services.queue,
            order_id=order_id,
            reason=refunds.GAVE_UP,
            now=services.clock(),
            payment_intent_id=checkout.payment_intent,
        )

    def async_payment_failed(body: dict[str, Any]) -> None:
        fulfilment.fail_async_payment(
            db=services.db,
            gateway=services.gateway,
            session_id=str(body["session_id"]),
            now=services.clock(),
        )

    def checkout_expired(body: dict[str, Any]) -> None:
        with services.db.reader() as session:
            order_id = session.scalar(
                select(Order.id).where(Order.checkout_session_id == str(body["session_id"]))
            )
        if order_id is None:
            log.warning("expired session %s matches no order", body["session_id"])
            return
        expiry.expire_order(
            db=services.db,
            gateway=services.gateway,
            queue=services.queue,
            order_id=order_id,
            now=services.clock(),
        )

    def refund_updated(body: dict[str, Any]) -> None:
        outcomes.refund_updated(
            db=services.db,
            gateway=services.gateway,
            refund_id=str(body.get("refund_id") or ""),
            payment_intent_id=str(body.get("payment_intent") or ""),
            now=services.clock(),
        )

    def dispute(body: dict[str, Any]) -> None:
        outcomes.record_dispute(db=services.db, dispute=body["dispute"], now=services.clock())

    def event_cancelled(body: dict[str, Any]) -> None:
        after = body.get("after")
        cancellation.fan_out_page(
            db=services.db,
            queue=services.queue,
            event_id=uuid.UUID(str(body["event_id"])),
            after=uuid.UUID(str(after)) if after else None,
        )

    def order_event_cancelled(body: dict[str, Any]) -> None:
        cancellation.settle_order(
            db=services.db,
            gateway=services.gateway,
            queue=services.queue,
            order_id=uuid.UUID(str(body["order_id"])),
            now=services.clock(),
        )

    def send_email(body: dict[str, Any]) -> None:
        from seatguard.notify.service import send_order_email

        send_order_email(
            db=services.db,
            mailer=services.mailer,
            order_id=uuid.UUID(str(body["order_id"])),
            kind=body["kind"],
            clock=services.clock,
            settings=services.settings,
            language_of=services.account_language,
            record=body.get("record"),
            refund_id=uuid.UUID(body["refund_id"]) if body.get("refund_id") else None,
        )

    def waitlist_offer(body: dict[str, Any]) -> None:
        from seatguard.waitlist.offer_email import send_offer_email

        send_offer_email(
            db=services.db,
            mailer=services.mailer,
            entry_id=uuid.UUID(str(body["entry_id"])),
            offer_id=uuid.UUID(str(body["offer_id"])),
            settings=services.settings,
            clock=services.clock,
        )

    return {
        "payment.checkout_completed": checkout_completed,
        "payment.async_payment_failed": async_payment_failed,
        "payment.checkout_expired": checkout_expired,
        "payment.refund_updated": refund_updated,
        "payment.dispute": dispute,
        "event.cancelled": event_cancelled,
        "order.event_cancelled": order_event_cancelled,
        "email.send": send_email,
        "waitlist.offer": waitlist_offer,
    }


def default_handlers() -> dict[str, Handler]:
    """Handlers wired from the environment (the Lambda entry point uses these)."""
    return build_handlers(build_services(get_settings()))


def sweep_pending_orders(services: Services, *, limit: int = 100) -> int:
    """Expire due PENDING orders and resume refunds; returns how many orders were handled."""
    result = expiry.sweep_orders(
        db=services.db,
        gateway=services.gateway,
        queue=services.queue,
        now=services.clock(),
        limit=limit,
    )
    return result.orders_expired + result.payments_reconciled + result.refunds_resumed


def sweep_steps(services: Services) -> list[SweepStep]:
    """What one sweep does: free expired bare holds, expire unpaid orders and resume refunds,
    then offer the seats that are free to those on waiting lists."""

    def holds(_db: Database, clock: Clock) -> expiry.SweepResult:
        return expiry.sweep_holds(services.db, clock())

    def orders(_db: Database, clock: Clock) -> expiry.SweepResult:
        return expiry.sweep_orders(
            db=services.db, gateway=services.gateway, queue=services.queue, now=clock()
        )

    def waiting_lists(_db: Database, clock: Clock) -> expiry.SweepResult:
        return offers.sweep_waiting_lists(
            services.db,
            queue=services.queue,
            now=clock(),
            offer_for=timedelta(minutes=services.settings.waitlist_offer_minutes),
            max_seats=services.settings.max_holds_per_event,
        )

    return [holds, orders, waiting_lists]
