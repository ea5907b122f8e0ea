"""The waiting-list offer email: seats came free and are held for the buyer until a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parseaddr

from seatguard.common.i18n import gettext, use_language
from seatguard.notify import mime
from seatguard.notify.email import _templates
from seatguard.tickets.formatting import format_start


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferView:
    offer_id: uuid.UUID
    email: str
    event_name: str
    event_starts_at: datetime
    event_timezone: str
    venue: str
    until: datetime
    seats: tuple[tuple[str, str, str], ...]  # section, row, number
    link: str


def build_waitlist_offer_email(
    *, offer: OfferView, sender: str, sent_at: datetime, language: str | None = None
) -> mime.OutgoingEmail:
    """Text and HTML bodies in ``language`` (English unless told); the same Message-ID for
    every delivery of one offer."""
    with use_language(language) as lang:
        subject = gettext("Seats are held for you: %(event)s") % {"event": offer.event_name}
        subject = " ".join(subject.split())
        context = {
            "lang": lang,
            "subject": subject,
            "offer": offer,
            "event_time": format_start(offer.event_starts_at, offer.event_timezone, lang),
            "until": format_start(offer.until, offer.event_timezone, lang),
        }
        env = _templates()
        text = env.get_template("waitlist_offer.txt").render(**context)
        html = env.get_template("waitlist_offer.html").render(**context)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "seatguard.local"
    return mime.write_message(
        subject=subject,
        sender=sender,
        to=[("", offer.email)],
        extra=[
            ("Message-ID", f"<waitlist_offer.{offer.offer_id}@{domain}>"),
            ("Date", format_datetime(sent_at)),
            ("X-SeatGuard-Kind", "waitlist_offer"),
            ("Content-Language", lang),
        ],
        root=mime.alternative(text, html),
    )
