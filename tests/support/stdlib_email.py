"""The order emails as they were built with the standard library's ``EmailMessage``: the
reference the MIME writer's output is compared with (same templates, same headers)."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from seatguard.common.i18n import gettext, use_language
from seatguard.notify import email as email_module
from seatguard.notify.email import EmailKind, NoRecipient, _render
from seatguard.notify.ics import event_ics
from seatguard.tickets.formatting import format_event_time
from seatguard.tickets.poster import Poster
from seatguard.tickets.views import OrderView, SeatLine, TicketView


def message_id(order: OrderView, kind: str, sender: str) -> str:
    return email_module.message_id(order, kind, sender)


def poster_cid(order: OrderView, sender: str) -> str:
    return email_module.poster_cid(order, sender)


def _fill(
    msg: EmailMessage,
    kind: EmailKind,
    context: dict[str, Any],
    *,
    related: tuple[Poster, str] | None = None,
) -> EmailMessage:
    """Text and HTML bodies; ``related`` is an image (and its Content-ID) the HTML shows,
    carried in the message itself (multipart/related), so no image is fetched when read."""
    text, html = _render(kind, **context)
    msg.set_content(text)  # (this drops any Content-* header set before)
    msg.add_alternative(html, subtype="html")
    if related is not None:
        poster, cid = related
        html_part = msg.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            poster.jpeg,
            maintype="image",
            subtype="jpeg",
            cid=f"<{cid}>",
            disposition="inline",
            filename="poster.jpg",
        )
    msg["Content-Language"] = context["lang"]
    return msg


def build_confirmation_email(
    *,
    order: OrderView,
    tickets: list[TicketView],
    pdf: bytes,
    sender: str,
    sent_at: datetime | None = None,
    language: str | None = None,
    poster: Poster | None = None,
) -> EmailMessage:
    """Text and HTML bodies, the PDF tickets and an .ics file for the calendar; the event's
    ``poster`` (small, see ``seatguard.tickets.poster``) shown in the HTML body."""
    with use_language(language) as lang:
        subject = gettext("Your tickets for %(event)s - order %(reference)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        msg, context = _prepare(order, "confirmation", subject, sender, sent_at, lang)
        cid = poster_cid(order, sender) if poster is not None else None
        related = (poster, cid) if poster is not None and cid is not None else None
        _fill(
            msg, "confirmation", {**context, "tickets": tickets, "poster_cid": cid}, related=related
        )
        ics = event_ics(order=order, seat_labels=[t.seat_label for t in tickets])
    msg.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"tickets-{order.reference}.pdf"
    )
    msg.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename=f"{order.reference}.ics",
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
    if msg["Content-Language"] is None:  # the attachments moved it into the text part
        msg["Content-Language"] = lang
    return msg


def build_refund_email(
    *, order: OrderView, sender: str, sent_at: datetime | None = None, language: str | None = None
) -> EmailMessage:
    """A paid order will not be fulfilled (seats gone, event started, a failure): refunded."""
    with use_language(language) as lang:
        subject = gettext("Refund for order %(reference)s - %(event)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        msg, context = _prepare(order, "refund", subject, sender, sent_at, lang)
        return _fill(msg, "refund", context)


def build_partial_refund_email(
    *,
    order: OrderView,
    refunded_seats: list[SeatLine],
    sender: str,
    sent_at: datetime | None = None,
    language: str | None = None,
) -> EmailMessage:
    """Some seats of a paid order were refunded; the others' tickets stay valid."""
    with use_language(language) as lang:
        subject = gettext("Partial refund for order %(reference)s - %(event)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        msg, context = _prepare(order, "partial_refund", subject, sender, sent_at, lang)
        amount = sum(seat.amount for seat in refunded_seats)
        extra = {"refunded_seats": refunded_seats, "refund_amount": amount}
        return _fill(msg, "partial_refund", {**context, **extra})


def build_event_cancelled_email(
    *, order: OrderView, sender: str, sent_at: datetime | None = None, language: str | None = None
) -> EmailMessage:
    """The event was cancelled: the tickets are void and the payment is being refunded."""
    with use_language(language) as lang:
        subject = gettext("Cancelled: %(event)s - refund for order %(reference)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        msg, context = _prepare(order, "event_cancelled", subject, sender, sent_at, lang)
        return _fill(msg, "event_cancelled", context)


def build_expiry_email(
    *, order: OrderView, sender: str, sent_at: datetime | None = None, language: str | None = None
) -> EmailMessage:
    """The hold ended before the checkout was paid; the seats are on sale again."""
    with use_language(language) as lang:
        subject = gettext("Your hold for %(event)s ended - order %(reference)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        msg, context = _prepare(order, "expiry", subject, sender, sent_at, lang)
        return _fill(msg, "expiry", context)


def _prepare(
    order: OrderView,
    kind: EmailKind,
    subject: str,
    sender: str,
    sent_at: datetime | None,
    lang: str,
) -> tuple[EmailMessage, dict[str, Any]]:
    if not order.holder_email:
        raise NoRecipient(f"order {order.id} has no customer email")
    msg = EmailMessage()
    msg["Subject"] = " ".join(subject.split())  # one line, whatever the event's name holds
    msg["From"] = sender
    name = " ".join("".join(ch if ch.isprintable() else " " for ch in order.holder_name).split())
    msg["To"] = Address(display_name=name, addr_spec=order.holder_email)
    msg["Message-ID"] = message_id(order, kind, sender)
    if sent_at is not None:
        msg["Date"] = format_datetime(sent_at)
    msg["X-SeatGuard-Order"] = str(order.id)
    msg["X-SeatGuard-Kind"] = kind
    context: dict[str, Any] = {
        "lang": lang,
        "order": order,
        "subject": subject,
        "event_time": format_event_time(order.event.local_starts_at, order.event.timezone),
    }
    return msg, context
