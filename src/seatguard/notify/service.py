"""Send one of an order's emails.

Each (order, kind) is sent once, however often its queue job is delivered: the sent-record
(``email_sends``, see ``sent_record``) is claimed before the mailer is called and stamped
after. A second delivery after the stamp sends nothing; one while another delivery holds a
fresh claim raises ``EmailInProgress`` (retried). Only a crash between the mailer taking the
message and the stamp sends it twice, with the same Message-ID: duplicates over losses.
When the mailer raises, the claim is released and the job should be retried.

It sends nothing (and logs why) when the email no longer applies: no address on the
order, a confirmation for an order that is not COMPLETED or has no tickets, a refund or
cancellation email for an order that is not REFUNDING or REFUNDED, an expiry email for one
that is not EXPIRED.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from seatguard.booking.domain import OrderStatus
from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.notify import sent_record
from seatguard.notify.backends import Mailer
from seatguard.notify.email import (
    EmailKind,
    build_confirmation_email,
    build_event_cancelled_email,
    build_expiry_email,
    build_partial_refund_email,
    build_refund_email,
)
from seatguard.settings import Settings, get_settings
from seatguard.tickets.pdf import render_tickets_pdf
from seatguard.tickets.poster import load_poster
from seatguard.tickets.views import load_order_view, refunded_seats

log = logging.getLogger("seatguard.notify")

_REFUND = frozenset({OrderStatus.REFUNDING, OrderStatus.REFUNDED})
_EXPECTED_STATUS: dict[str, frozenset[OrderStatus]] = {
    "confirmation": frozenset({OrderStatus.COMPLETED}),
    "refund": _REFUND,
    "event_cancelled": _REFUND,
    "expiry": frozenset({OrderStatus.EXPIRED}),
    "partial_refund": frozenset({OrderStatus.COMPLETED} | _REFUND),
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
    language_of: Callable[[str], str | None] | None = None,
    record: str | None = None,
    refund_id: uuid.UUID | None = None,
) -> bool:
    """Build and send the ``kind`` email of an order; True when a message was handed over.

    ``language_of`` gives the buyer's language from their user id (English when None).
    ``record`` is the sent-record's key when not ``kind`` itself (a resend, one of several
    partial refunds, whose ``refund_id`` names the seats it gave back).
    """
    record = record or kind
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
    lang = language_of(order.user_id) if language_of is not None else None
    if kind == "confirmation":
        if not tickets:
            log.warning("order %s has no tickets; confirmation not sent", order_id)
            return False
        poster = load_poster(order.event.poster_url, settings or get_settings())
        pdf = render_tickets_pdf(order=order, tickets=tickets, language=lang, poster=poster)
        message = build_confirmation_email(
            order=order,
            tickets=tickets,
            pdf=pdf,
            sender=sender,
            sent_at=now,
            language=lang,
            poster=poster,
            record=record,
        )
    elif kind == "refund":
        message = build_refund_email(
            order=order, sender=sender, sent_at=now, language=lang, record=record
        )
    elif kind == "event_cancelled":
        message = build_event_cancelled_email(
            order=order, sender=sender, sent_at=now, language=lang, record=record
        )
    elif kind == "partial_refund":
        with db.reader() as session:
            seats = refunded_seats(session, order_id, refund_id)
        message = build_partial_refund_email(
            order=order,
            refunded_seats=seats,
            sender=sender,
            sent_at=now,
            language=lang,
            record=record,
        )
    else:
        message = build_expiry_email(
            order=order, sender=sender, sent_at=now, language=lang, record=record
        )
    sent = sent_record.send_once(
        db, mailer, message, order_id=order_id, kind=record, now=now, clock=clock
    )
    if not sent:
        log.info("%s email for order %s was sent before; not sent again", record, order_id)
        return False
    log.info("sent %s email for order %s", record, order_id)
    return True
