"""The buyer's emails, written by ``seatguard.notify.mime`` from Jinja2 templates.

Each is written in the buyer's language (English unless told), dates and money included.

Every message has a Message-ID derived from the order and the kind of email, so a message
sent twice (at-least-once delivery after a crash) is recognisably the same message.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from seatguard.common.i18n import gettext, ngettext, use_language
from seatguard.notify import mime
from seatguard.notify.ics import event_ics
from seatguard.notify.mime import OutgoingEmail
from seatguard.tickets.formatting import format_event_time, format_money
from seatguard.tickets.poster import Poster
from seatguard.tickets.views import OrderView, SeatLine, TicketView

EmailKind = Literal["confirmation", "refund", "expiry", "event_cancelled", "partial_refund"]


class NoRecipient(ValueError):
    """The order has no email address to write to."""


@lru_cache(maxsize=1)
def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("seatguard.notify", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["money"] = format_money
    return env


def _render(kind: EmailKind, **context: Any) -> tuple[str, str]:
    env = _templates()
    return (
        env.get_template(f"{kind}.txt").render(**context),
        env.get_template(f"{kind}.html").render(**context),
    )


def message_id(order: OrderView, kind: str, sender: str) -> str:
    """The same for every delivery of one email; ``kind`` is the sent-record's key (a resend
    or a second partial refund is another email)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "seatguard.local"
    return f"<{kind}.{order.id}@{domain}>"


def poster_cid(order: OrderView, sender: str) -> str:
    """The Content-ID of the poster image inside the HTML body (without angle brackets)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "seatguard.local"
    return f"poster.{order.event.id}@{domain}"


def _related(poster: Poster, cid: str) -> mime.Part:
    return mime.binary_part(
        poster.jpeg, "image/jpeg", filename="poster.jpg", disposition="inline", content_id=cid
    )


def _write(
    order: OrderView,
    kind: EmailKind,
    subject: str,
    sender: str,
    sent_at: datetime | None,
    lang: str,
    root: mime.Part,
    record: str | None,
) -> OutgoingEmail:
    """The whole message; ``record`` names the sent-record when it is not ``kind`` (its
    Message-ID then follows it: a resend is another email)."""
    name = " ".join("".join(ch if ch.isprintable() else " " for ch in order.holder_name).split())
    assert order.holder_email
    extra = [("Message-ID", message_id(order, record or kind, sender))]
    if sent_at is not None:
        extra.append(("Date", format_datetime(sent_at)))
    extra += [
        ("X-SeatGuard-Order", str(order.id)),
        ("X-SeatGuard-Kind", kind),
        ("Content-Language", lang),
    ]
    return mime.write_message(
        subject=subject, sender=sender, to=[(name, order.holder_email)], extra=extra, root=root
    )


def build_confirmation_email(
    *,
    order: OrderView,
    tickets: list[TicketView],
    pdf: bytes,
    sender: str,
    sent_at: datetime | None = None,
    language: str | None = None,
    poster: Poster | None = None,
    record: str | None = None,
) -> OutgoingEmail:
    """Text and HTML bodies, the PDF tickets and an .ics file for the calendar; the event's
    ``poster`` (small, see ``seatguard.tickets.poster``) shown in the HTML body, carried in
    the message itself (multipart/related), so no image is fetched when it is read."""
    with use_language(language) as lang:
        subject = gettext("Your tickets for %(event)s - order %(reference)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        context = _prepare(order, subject, lang)
        cid = poster_cid(order, sender) if poster is not None else None
        text, html = _render("confirmation", **context, tickets=tickets, poster_cid=cid)
        ics = event_ics(order=order, seat_labels=[t.seat_label for t in tickets])
    related = _related(poster, cid) if poster is not None and cid is not None else None
    root = mime.multipart(
        "mixed",
        [
            mime.alternative(text, html, related=related),
            mime.binary_part(pdf, "application/pdf", filename=f"tickets-{order.reference}.pdf"),
            mime.binary_part(
                ics,
                "text/calendar",
                filename=f"{order.reference}.ics",
                params=[("method", "PUBLISH"), ("charset", "utf-8")],
            ),
        ],
    )
    return _write(order, "confirmation", subject, sender, sent_at, lang, root, record)


def _simple(
    order: OrderView,
    kind: EmailKind,
    subject: str,
    sender: str,
    sent_at: datetime | None,
    lang: str,
    record: str | None,
    **extra: Any,
) -> OutgoingEmail:
    text, html = _render(kind, **_prepare(order, subject, lang), **extra)
    root = mime.alternative(text, html)
    return _write(order, kind, subject, sender, sent_at, lang, root, record)


def build_refund_email(
    *,
    order: OrderView,
    sender: str,
    sent_at: datetime | None = None,
    language: str | None = None,
    record: str | None = None,
) -> OutgoingEmail:
    """A paid order will not be fulfilled (seats gone, event started, a failure): refunded."""
    with use_language(language) as lang:
        subject = gettext("Refund for order %(reference)s - %(event)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        return _simple(order, "refund", subject, sender, sent_at, lang, record)


def build_partial_refund_email(
    *,
    order: OrderView,
    refunded_seats: list[SeatLine],
    sender: str,
    sent_at: datetime | None = None,
    language: str | None = None,
    record: str | None = None,
) -> OutgoingEmail:
    """Some seats of a paid order were refunded; the others' tickets stay valid."""
    with use_language(language) as lang:
        subject = gettext("Partial refund for order %(reference)s - %(event)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        amount = sum(seat.amount for seat in refunded_seats)
        return _simple(
            order,
            "partial_refund",
            subject,
            sender,
            sent_at,
            lang,
            record,
            refunded_seats=refunded_seats,
            refund_amount=amount,
        )


def build_event_cancelled_email(
    *,
    order: OrderView,
    sender: str,
    sent_at: datetime | None = None,
    language: str | None = None,
    record: str | None = None,
) -> OutgoingEmail:
    """The event was cancelled: the tickets are void and the payment is being refunded."""
    with use_language(language) as lang:
        subject = gettext("Cancelled: %(event)s - refund for order %(reference)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        return _simple(order, "event_cancelled", subject, sender, sent_at, lang, record)


def build_expiry_email(
    *,
    order: OrderView,
    sender: str,
    sent_at: datetime | None = None,
    language: str | None = None,
    record: str | None = None,
) -> OutgoingEmail:
    """The hold ended before the checkout was paid; the seats are on sale again."""
    with use_language(language) as lang:
        subject = gettext("Your hold for %(event)s ended - order %(reference)s") % {
            "event": order.event.name,
            "reference": order.reference,
        }
        return _simple(order, "expiry", subject, sender, sent_at, lang, record)


def _prepare(order: OrderView, subject: str, lang: str) -> dict[str, Any]:
    if not order.holder_email:
        raise NoRecipient(f"order {order.id} has no customer email")
    return {
        "lang": lang,
        "order": order,
        "subject": subject,
        "event_time": format_event_time(order.event.local_starts_at, order.event.timezone),
    }
