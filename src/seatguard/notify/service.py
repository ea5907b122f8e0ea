"""Send one of an order's emails.

Contract: the caller (a queue job whose dedupe key is order id + kind) makes sure the
job runs to completion once. This function only reads the database and then hands one
message to the mailer, so running it again after a crash is safe: the worst case is
that the buyer gets the same message twice (delivery is at-least-once), and both copies
carry the same Message-ID (the file outbox even replaces its earlier file). When the
mailer raises, nothing was recorded and the job should be retried.

It sends nothing (and logs why) when the email no longer applies: no address on the
order, a confirmation for an order that is not COMPLETED or has no tickets, a refund or
cancellation email for an order that is not REFUNDING or REFUNDED, an expiry email for one
that is not EXPIRED.
"""

from __future__ import annotations

import logging
import uuid

from seatguard.booking.domain import OrderStatus
from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.notify.backends import Mailer
from seatguard.notify.email import (
    EmailKind,
    build_confirmation_email,
    build_event_cancelled_email,
    build_expiry_email,
    build_refund_email,
)
from seatguard.settings import Settings, get_settings
from seatguard.tickets.pdf import render_tickets_pdf
from seatguard.tickets.views import load_order_view

log = logging.getLogger("seatguard.notify")

_REFUND = frozenset({OrderStatus.REFUNDING, OrderStatus.REFUNDED})
_EXPECTED_STATUS: dict[str, frozenset[OrderStatus]] = {
    "confirmation": frozenset({OrderStatus.COMPLETED}),
    "refund": _REFUND,
    "event_cancelled": _REFUND,
    "expiry": frozenset({OrderStatus.EXPIRED}),
}


def send_order_email(
    *,
    db: Database,
    mailer: Mailer,
    order_id: uuid.UUID,
    kind: EmailKind,
    sender: str | None = None,
    clock: Clock = system_clock,
    settings: Settings | None = None,
) -> bool:
    """Build and send the ``kind`` email of an order; True when a message was handed over."""
    if kind not in _EXPECTED_STATUS:
        raise ValueError(f"unknown email kind {kind!r}")
    sender = sender or (settings or get_settings()).email_from
    with db.reader() as session:
        order, tickets = load_order_view(session, order_id)
    if not order.holder_email:
        log.warning("order %s has no email address; %s email not sent", order_id, kind)
        return False
    if order.status not in _EXPECTED_STATUS[kind]:
        log.warning("order %s is %s; %s email not sent", order_id, order.status, kind)
        return False
    now = clock()
    if kind == "confirmation":
        if not tickets:
            log.warning("order %s has no tickets; confirmation not sent", order_id)
            return False
        pdf = render_tickets_pdf(order=order, tickets=tickets)
        message = build_confirmation_email(
            order=order, tickets=tickets, pdf=pdf, sender=sender, sent_at=now
        )
    elif kind == "refund":
        message = build_refund_email(order=order, sender=sender, sent_at=now)
    elif kind == "event_cancelled":
        message = build_event_cancelled_email(order=order, sender=sender, sent_at=now)
    else:
        message = build_expiry_email(order=order, sender=sender, sent_at=now)
    mailer.send(message)
    log.info("sent %s email for order %s", kind, order_id)
    return True
