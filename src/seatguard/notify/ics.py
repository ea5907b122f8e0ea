"""A minimal iCalendar (RFC 5545) file for one event: the few VEVENT lines, folded and escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from seatguard.common.i18n import gettext
from seatguard.tickets.views import OrderView

PRODID = "-//SeatGuard//Tickets//EN"
# Events are listed by their start; the calendar entry blocks a concert's usual length.
EVENT_LENGTH = timedelta(hours=3)


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and a space."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not out else 74
        if len(current) + len(encoded) > limit:
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_ics(*, order: OrderView, seat_labels: list[str], domain: str = "seatguard") -> bytes:
    event = order.event
    stamp = order.completed_at or order.created_at
    seats = ", ".join(seat_labels)
    description = (
        gettext("Order %(id)s. Seats: %(seats)s.") % {"id": order.id, "seats": seats}
        if seats
        else gettext("Order %(id)s.") % {"id": order.id}
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:order-{order.id}@{domain}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.starts_at + EVENT_LENGTH)}",
        f"SUMMARY:{escape_text(event.name)}",
        f"LOCATION:{escape_text(event.venue)}",
        f"DESCRIPTION:{escape_text(description)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
