"""The invitation a new staff member or organizer receives: a link to choose a password."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parseaddr

from seatguard.common.i18n import gettext, use_language
from seatguard.notify import mime
from seatguard.notify.email import _templates
from seatguard.tickets.formatting import format_event_time


def build_invitation_email(
    *,
    email: str,
    role: str,
    link: str,
    expires_at: datetime,
    sender: str,
    sent_at: datetime,
    language: str | None = None,
) -> mime.OutgoingEmail:
    """Text and HTML bodies in ``language`` (English unless told)."""
    with use_language(language) as lang:
        subject = gettext("Your SeatGuard account: choose a password")
        context = {
            "lang": lang,
            "subject": subject,
            "role": role,
            "link": link,
            "email": email,
            "until": format_event_time(expires_at.astimezone(UTC), "UTC", lang),
        }
        env = _templates()
        text = env.get_template("invitation.txt").render(**context)
        html = env.get_template("invitation.html").render(**context)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "seatguard.local"
    digest = hashlib.sha256(link.encode()).hexdigest()[:24]
    return mime.write_message(
        subject=subject,
        sender=sender,
        to=[("", email)],
        extra=[
            ("Message-ID", f"<invitation.{digest}@{domain}>"),
            ("Date", format_datetime(sent_at)),
            ("X-SeatGuard-Kind", "invitation"),
            ("Content-Language", lang),
        ],
        root=mime.alternative(text, html),
    )
