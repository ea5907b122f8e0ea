"""The MIME writer's emails read back, with the standard library's parser, as the messages
``EmailMessage`` built before: the same headers' decoded values, the same parts in the same
tree, the same bodies and attachment bytes; and every line within RFC 5322's limits."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatguard.notify import email as writer
from seatguard.notify.backends import FileOutboxBackend
from seatguard.notify.invitation import build_invitation_email
from seatguard.notify.mime import text_header
from seatguard.notify.waitlist_offer import OfferView, build_waitlist_offer_email
from seatguard.tickets.poster import Poster
from seatguard.tickets.views import SeatLine
from tests.support import stdlib_email as reference
from tests.unit.test_tickets_pdf import ISSUED, sample

HEADERS = (
    "Subject",
    "From",
    "To",
    "Message-ID",
    "Date",
    "X-SeatGuard-Order",
    "X-SeatGuard-Kind",
    "Content-Language",
)

TEXT = st.characters(codec="utf-8", exclude_categories=["Cs"])
# Names as buyers type them: Spanish letters, quotes, commas, specials, long words, a text
# that looks like an encoded word, control characters (dropped), emoji.
names = st.one_of(
    st.sampled_from(
        [
            "José Ñúñez",
            "María José O'Brien-Güemes",
            'Ana "La Negra" Pérez, Jr.',
            "=?utf-8?q?no?= Señor",
            "Ñ" * 90,
            "x" * 120,
            "línea\r\nBcc: evil@example.com",
            "🎸 Fito",
            "",
        ]
    ),
    st.text(TEXT, max_size=60),
)
events = st.one_of(
    st.sampled_from(["Noche Electrónica", "Señor Coconut y su Conjunto " * 4, "AC/DC: ¡En vivo!"]),
    st.text(TEXT, min_size=1, max_size=80),
)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def tree(message: EmailMessage) -> list[tuple[Any, ...]]:
    """Every part in order: its type, disposition, file name, Content-ID, parameters, body."""
    found = []
    for part in message.walk():
        content: Any = None if part.is_multipart() else part.get_content()
        if isinstance(content, str):  # a line break is a line break, LF or CRLF
            content = content.replace("\r\n", "\n")
        found.append(
            (
                part.get_content_type(),
                part.get_content_disposition(),
                part.get_filename(),
                part["Content-ID"],
                part.get_param("method"),
                part.get_content_charset(),
                content,
            )
        )
    return found


def rfc2047(raw: str) -> tuple[str, str]:
    """An address header as RFC 2047 decodes it (the whitespace between two encoded words
    dropped; the standard library's address parser keeps it)."""
    return parseaddr(str(make_header(decode_header(raw.replace("\r\n", "")))))


def headers(raw: bytes) -> dict[str, object]:
    message = parse(raw)
    found: dict[str, object] = {  # folding whitespace is not part of a value
        name: None if message[name] is None else " ".join(str(message[name]).split())
        for name in HEADERS
    }
    found["To"] = rfc2047(email.message_from_bytes(raw, policy=email.policy.compat32)["To"])
    return found


def assert_well_formed(raw: bytes) -> None:
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 78 for line in lines), max(lines, key=len)
    assert raw.isascii()


def assert_same(new_raw: bytes, old: EmailMessage, *, name: str) -> None:
    assert_well_formed(new_raw)
    old_raw = old.as_bytes(policy=email.policy.SMTP)
    new_headers, old_headers = headers(new_raw), headers(old_raw)
    # the subject as it was set, not as the standard library wrote it: around characters that
    # are not printable it drops a space when it folds encoded words
    old_headers["Subject"] = " ".join(str(old["Subject"]).split())
    if "=?" in name:  # the standard library writes it bare, so it reads back decoded
        shown = " ".join("".join(c if c.isprintable() else " " for c in name).split())
        assert new_headers.pop("To") == (shown, "jose@example.com")
        del old_headers["To"]
    assert new_headers == old_headers
    assert tree(parse(new_raw)) == tree(parse(old_raw))


POSTER = Poster(jpeg=b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, width=60, height=80)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=names,
    event=events,
    language=st.sampled_from([None, "es"]),
    poster=st.booleans(),
    pdf=st.binary(min_size=1, max_size=2000),
    record=st.sampled_from([None, "resend-1"]),
)
def test_the_confirmation_reads_back_as_the_standard_librarys(
    name: str, event: str, language: str | None, poster: bool, pdf: bytes, record: str | None
) -> None:
    order, tickets = sample(seats=2)
    order = dataclasses.replace(
        order, holder_name=name, event=dataclasses.replace(order.event, name=event)
    )
    args: dict[str, Any] = {
        "order": order,
        "tickets": tickets,
        "pdf": pdf,
        "sender": "SeatGuard Entradas <tickets@seatguard.test>",
        "sent_at": ISSUED,
        "language": language,
        "poster": POSTER if poster else None,
    }
    new = writer.build_confirmation_email(**args, record=record)
    old = reference.build_confirmation_email(**args)
    if record is not None:
        del old["Message-ID"]
        old["Message-ID"] = writer.message_id(order, record, args["sender"])
    assert_same(new.raw, old, name=name)
    attachments = {p.get_filename(): p.get_content() for p in parse(new.raw).iter_attachments()}
    assert attachments[f"tickets-{order.reference}.pdf"] == pdf
    assert new.recipients == ("jose@example.com",)
    assert new.sender == "tickets@seatguard.test"


@settings(max_examples=15, deadline=None)
@given(name=names, event=events, language=st.sampled_from([None, "es"]))
def test_the_other_order_emails_read_back_as_the_standard_librarys(
    name: str, event: str, language: str | None
) -> None:
    order, _ = sample(seats=2)
    order = dataclasses.replace(
        order, holder_name=name, event=dataclasses.replace(order.event, name=event)
    )
    common: dict[str, Any] = {
        "order": order,
        "sender": "tickets@seatguard.test",
        "sent_at": ISSUED,
        "language": language,
    }
    for kind in ("build_refund_email", "build_expiry_email", "build_event_cancelled_email"):
        new, old = getattr(writer, kind)(**common), getattr(reference, kind)(**common)
        assert_same(new.raw, old, name=name)
    seats = [SeatLine(seat_id=order.id, section="PLATEA", row="B", number="1", amount=15000)]
    assert_same(
        writer.build_partial_refund_email(**common, refunded_seats=seats).raw,
        reference.build_partial_refund_email(**common, refunded_seats=seats),
        name=name,
    )


def test_invitation_and_waitlist_offer_are_well_formed_in_spanish() -> None:
    now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    invitation = build_invitation_email(
        email="ana@example.com",
        role="organizer",
        link="https://seatguard.test/invite/abc",
        expires_at=now,
        sender="SeatGuard <no-reply@seatguard.test>",
        sent_at=now,
        language="es",
    )
    offer = build_waitlist_offer_email(
        offer=OfferView(
            offer_id=sample()[0].id,
            email="ana@example.com",
            event_name="Noche Electrónica",
            event_starts_at=now,
            event_timezone="America/Argentina/Buenos_Aires",
            venue="Estadio Único",
            until=now,
            seats=(("PLATEA", "B", "1"),),
            link="https://seatguard.test/events/1",
        ),
        sender="SeatGuard <no-reply@seatguard.test>",
        sent_at=now,
        language="es",
    )
    for message, subject in (
        (invitation, "Tu cuenta de SeatGuard"),
        (offer, "Noche Electrónica"),
    ):
        assert_well_formed(message.raw)
        parsed = parse(message.raw)
        assert subject in str(parsed["Subject"])
        assert parsed["To"] == "ana@example.com"
        assert parsed["Content-Language"] == "es"
        types = [p.get_content_type() for p in parsed.walk()]
        assert types == ["multipart/alternative", "text/plain", "text/html"]
        html = parsed.get_body(preferencelist=("html",))
        assert html is not None
        assert 'lang="es"' in html.get_content()


@pytest.mark.parametrize(
    "value",
    ["Ñandú " * 40, "a" * 200, "plain ascii subject that is long " * 5, "=?utf-8?q?x?=", ""],
)
def test_a_header_decodes_to_its_text_in_short_lines(value: str) -> None:
    raw = text_header("Subject", value) + b"\r\n"
    assert_well_formed(raw)
    assert str(parse(raw)["Subject"]) == " ".join(value.split())


def test_an_address_that_cannot_be_written_in_ascii_is_refused() -> None:
    order, _ = sample(seats=1)
    order = dataclasses.replace(order, holder_email="josé@example.com")
    with pytest.raises(ValueError, match="cannot be written in an ASCII header"):
        writer.build_refund_email(order=order, sender="tickets@seatguard.test")


def test_the_outbox_file_is_the_written_bytes(tmp_path) -> None:
    order, _ = sample()
    message = writer.build_expiry_email(order=order, sender="tickets@seatguard.test")
    FileOutboxBackend(tmp_path).send(message)
    (written,) = tmp_path.glob("*.eml")
    assert written.read_bytes() == message.raw
