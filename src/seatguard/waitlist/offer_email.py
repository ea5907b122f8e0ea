"""Send an offer's email once, however often its queue job is delivered.

The sent-record (``email_sends``) is keyed by the offer's id, claimed before the mailer is
called and stamped after, as the order emails are (``notify.service``). Nothing is sent when
the offer no longer stands: the entry left the list, a newer offer replaced it, or its time
is up.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import func, select

from seatguard.booking.holds import still_held
from seatguard.booking.models import Event, Seat
from seatguard.common.clock import Clock
from seatguard.common.db import Database
from seatguard.notify import sent_record
from seatguard.notify.backends import Mailer
from seatguard.notify.waitlist_offer import OfferView, build_waitlist_offer_email
from seatguard.settings import Settings
from seatguard.waitlist.domain import EntryState
from seatguard.waitlist.models import WaitlistEntry

log = logging.getLogger("seatguard.waitlist")

KIND = "waitlist_offer"


def _offer_view(
    db: Database, *, entry_id: uuid.UUID, offer_id: uuid.UUID, settings: Settings, now: Any
) -> tuple[OfferView, str | None] | None:
    with db.reader() as session:
        entry = session.get(WaitlistEntry, entry_id)
        if entry is None or entry.offer_id != offer_id or entry.state != EntryState.OFFERED:
            log.info("offer %s no longer stands; its email is not sent", offer_id)
            return None
        if entry.offered_until is None or entry.offered_until <= now or not entry.email:
            log.info("offer %s ended or has no address; its email is not sent", offer_id)
            return None
        event = session.get_one(Event, entry.event_id)
        seats = session.execute(
            select(Seat.section, Seat.row, Seat.number)
            .where(Seat.event_id == entry.event_id, still_held(entry.user_id, now))
            .order_by(Seat.section, Seat.row, func.length(Seat.number), Seat.number)
        ).all()
        view = OfferView(
            offer_id=offer_id,
            email=entry.email,
            event_name=event.name,
            event_starts_at=event.starts_at,
            event_timezone=event.timezone,
            venue=event.location,
            until=entry.offered_until,
            seats=tuple((s.section, s.row, s.number) for s in seats),
            link=f"{settings.public_base_url.rstrip('/')}/events/{event.id}",
        )
        return view, entry.language


def send_offer_email(
    *,
    db: Database,
    mailer: Mailer,
    entry_id: uuid.UUID,
    offer_id: uuid.UUID,
    settings: Settings,
    clock: Clock,
) -> bool:
    """True when a message was handed to the mailer."""
    now = clock()
    found = _offer_view(db, entry_id=entry_id, offer_id=offer_id, settings=settings, now=now)
    if found is None:
        return False
    view, language = found
    message = build_waitlist_offer_email(
        offer=view, sender=settings.email_from, sent_at=now, language=language
    )
    sent = sent_record.send_once(
        db, mailer, message, order_id=offer_id, kind=KIND, now=now, clock=clock
    )
    if not sent:
        log.info("the email of offer %s was sent before; not sent again", offer_id)
        return False
    log.info("sent the email of offer %s", offer_id)
    return True
