"""The waiting-list offer email: seats came free and are held for the buyer until a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from seatguard.common.i18n import gettext, use_language
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
) -> EmailMessage:
    """Text and HTML bodies in ``language`` (English unless told); the same Message-ID for
    every delivery of one offer."""
    with use_language(language) as lang:
        subject = gettext("Seats are held for you: %(event)s") % {"event": offer.event_name}
        context = {
            "lang": lang,
            "subject": " ".join(subject.split()),
            "offer": offer,
            "event_time": format_start(offer.event_starts_at, offer.event_timezone, lang),
            "until": format_start(offer.until, offer.event_timezone, lang),
        }
        env = _templates()
        text = env.get_template("waitlist_offer.txt").render(**context)
        html = env.get_template("waitlist_offer.html").render(**context)
    msg = EmailMessage()
    msg["Subject"] = context["subject"]
    msg["From"] = sender
    msg["To"] = Address(addr_spec=offer.email)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "seatguard.local"
    msg["Message-ID"] = f"<waitlist_offer.{offer.offer_id}@{domain}>"
    msg["Date"] = format_datetime(sent_at)
    msg["X-SeatGuard-Kind"] = "waitlist_offer"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg["Content-Language"] = lang
    return msg
