"""What the worker does with each message type; shared by the worker process and the Lambda."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select

from seatguard.booking import fulfilment
from seatguard.booking.holds import SeatChange
from seatguard.booking.models import Order
from seatguard.booking.sweeper import SweepStep, sweep_holds
from seatguard.common import metrics
from seatguard.common.clock import Clock
from seatguard.common.db import Database
from seatguard.runtime import Services, build_services
from seatguard.settings import get_settings
from seatguard.worker.runner import Handler

log = logging.getLogger("seatguard.worker")


def build_handlers(services: Services) -> dict[str, Handler]:
    def checkout_completed(body: dict[str, Any]) -> None:
        with metrics.FULFILMENT_FAILURES.count_exceptions():
            result = fulfilment.fulfil(
                db=services.db,
                gateway=services.gateway,
                queue=services.queue,
                session_id=str(body["session_id"]),
                now=services.clock(),
                ticket_key=services.ticket_keys.private_key,
            )
        metrics.record_fulfilment(outcome=result.outcome, seats=len(result.seat_ids))
        log.info("order %s: %s", result.order_id, result.outcome)

    def checkout_expired(body: dict[str, Any]) -> None:
        with services.db.reader() as session:
            order_id = session.scalar(
                select(Order.id).where(Order.checkout_session_id == str(body["session_id"]))
            )
        if order_id is None:
            log.warning("expired session %s matches no order", body["session_id"])
            return
        fulfilment.expire(
            db=services.db,
            gateway=services.gateway,
            queue=services.queue,
            order_id=order_id,
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
        )

    return {
        "payment.checkout_completed": checkout_completed,
        "payment.checkout_expired": checkout_expired,
        "email.send": send_email,
    }


def default_handlers() -> dict[str, Handler]:
    """Handlers wired from the environment (the Lambda entry point uses these)."""
    return build_handlers(build_services(get_settings()))


def sweep_pending_orders(services: Services, *, limit: int = 100) -> int:
    """Expire PENDING orders whose hold ran out (gateway first); returns how many were handled."""
    handled = 0
    for order_id in fulfilment.due_for_expiry(services.db, now=services.clock(), limit=limit):
        try:
            fulfilment.expire(
                db=services.db,
                gateway=services.gateway,
                queue=services.queue,
                order_id=order_id,
                now=services.clock(),
            )
            handled += 1
        except Exception:  # one bad order must not stop the others; it is retried next sweep
            log.exception("could not expire order %s", order_id)
    return handled


def sweep_steps(services: Services) -> list[SweepStep]:
    """What one sweep does: free expired bare holds, then expire unpaid orders."""

    def sweep_orders(_db: Database, _clock: Clock) -> list[SeatChange]:
        sweep_pending_orders(services)
        return []

    return [sweep_holds, sweep_orders]
