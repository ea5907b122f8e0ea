"""Order emails: parts, attachments, calendar file, and the file outbox."""

from __future__ import annotations

import email
import email.policy
import os
import re
import time
from email.message import EmailMessage

import pytest

from seatguard.notify.backends import FileOutboxBackend, SmtpBackend, build_mailer
from seatguard.notify.email import (
    NoRecipient,
    build_confirmation_email,
    build_expiry_email,
    build_refund_email,
)
from seatguard.notify.ics import event_ics, fold
from seatguard.notify.mime import OutgoingEmail
from seatguard.settings import Settings
from seatguard.tickets.pdf import render_tickets_pdf
from tests.unit.test_tickets_pdf import ISSUED, sample

SENDER = "SeatGuard <tickets@seatguard.test>"


def body(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def confirmation() -> OutgoingEmail:
    order, tickets = sample(seats=2)
    pdf = render_tickets_pdf(order=order, tickets=tickets)
    return build_confirmation_email(
        order=order, tickets=tickets, pdf=pdf, sender=SENDER, sent_at=ISSUED
    )


def test_confirmation_has_text_html_pdf_and_calendar():
    order, tickets = sample(seats=2)
    pdf = render_tickets_pdf(order=order, tickets=tickets)
    msg = build_confirmation_email(order=order, tickets=tickets, pdf=pdf, sender=SENDER).parsed()
    assert order.reference in msg["Subject"]
    assert msg["To"] == "José Ñúñez <jose@example.com>"
    assert msg["Message-ID"] == f"<confirmation.{order.id}@seatguard.test>"
    text = body(msg, "plain")
    html = body(msg, "html")
    for content in (text, html):
        assert "Noche Electrónica" in content
        assert "Tue 1 Jan 2030, 9:30 PM (Argentina Time)" in content
        assert "$300.00" in content
        assert str(order.id) in content
    attachments = {part.get_filename(): part for part in msg.iter_attachments()}
    assert attachments[f"tickets-{order.reference}.pdf"].get_content() == pdf
    ics = attachments[f"{order.reference}.ics"]
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_content_charset() == "utf-8"
    assert "DTSTART:20300102T003000Z" in ics.get_content()
    assert "DTEND:20300102T033000Z" in ics.get_content()


def test_calendar_text_survives_the_wire_with_its_accents():
    """A mail client decodes the .ics with its declared charset: accents arrive intact."""
    raw = confirmation().raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    ics = next(p for p in parsed.iter_attachments() if (p.get_filename() or "").endswith(".ics"))
    payload = ics.get_payload(decode=True)
    assert isinstance(payload, bytes)
    charset = ics.get_content_charset()
    assert charset == "utf-8"
    text = payload.decode(charset)
    assert "SUMMARY:Noche Electrónica" in text
    assert "LOCATION:" in text


def test_html_escapes_user_text():
    order, tickets = sample(seats=1)
    from dataclasses import replace

    order = replace(order, holder_name="<script>x</script>")
    msg = build_confirmation_email(
        order=order, tickets=tickets, pdf=b"%PDF", sender=SENDER
    ).parsed()
    html = body(msg, "html")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_refund_and_expiry_emails_name_the_seats_and_amount():
    order, _ = sample(seats=2)
    refund = build_refund_email(order=order, sender=SENDER).parsed()
    expiry = build_expiry_email(order=order, sender=SENDER).parsed()
    assert "Refund" in refund["Subject"]
    assert order.reference in expiry["Subject"]
    refund_text = body(refund, "plain")
    assert "$300.00" in refund_text
    assert "refunding" in refund_text
    assert "seat 1" in refund_text
    assert "seat 2" in refund_text
    expiry_html = body(expiry, "html")
    assert "not been charged" in expiry_html
    assert list(refund.iter_attachments()) == []


def test_order_without_email_cannot_be_mailed():
    from dataclasses import replace

    order, _ = sample()
    with pytest.raises(NoRecipient):
        build_expiry_email(order=replace(order, holder_email=None), sender=SENDER)


def test_ics_lines_are_crlf_folded_and_escaped():
    order, _ = sample()
    data = event_ics(order=order, seat_labels=["PLATEA B1", "PLATEA B2"]).decode()
    lines = data.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert "LOCATION:Estadio Único\\, La Plata" in data
    assert all(len(line.encode()) <= 75 for line in lines)
    long = fold("DESCRIPTION:" + "ñ" * 100)
    assert all(len(part.encode()) <= 75 for part in long.split("\r\n"))
    assert long.replace("\r\n ", "") == "DESCRIPTION:" + "ñ" * 100


def test_outbox_writes_a_parsable_eml_and_replaces_a_resend(tmp_path):
    outbox = FileOutboxBackend(tmp_path / "outbox")
    msg = confirmation()
    outbox.send(msg)
    outbox.send(msg)
    files = list((tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml"]
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == msg["Subject"]
    names = [p.get_filename() or "" for p in parsed.iter_attachments()]
    assert any(n.endswith(".pdf") for n in names)
    assert any(n.endswith(".ics") for n in names)


def test_outbox_half_written_files_never_look_like_messages(tmp_path):
    outbox_dir = tmp_path / "outbox"
    outbox_dir.mkdir()
    # what a writer killed mid-write leaves behind: one old, one fresh
    old = outbox_dir / ".killed.part"
    old.write_bytes(b"Subject: half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    fresh = outbox_dir / ".writing.part"
    fresh.write_bytes(b"Subject: in progress")
    FileOutboxBackend(outbox_dir).send(confirmation())
    assert len(list(outbox_dir.glob("*.eml"))) == 1
    assert not old.exists()
    assert fresh.exists()  # may still belong to a live writer


def test_outbox_looks_for_stale_files_once_per_sweep_interval(tmp_path, monkeypatch):
    outbox_dir = tmp_path / "outbox"
    outbox = FileOutboxBackend(outbox_dir)
    now = [1000.0]
    monkeypatch.setattr("seatguard.notify.backends.time.monotonic", lambda: now[0])
    outbox.send(confirmation())
    old = outbox_dir / ".killed.part"
    old.write_bytes(b"Subject: half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    now[0] += outbox.sweep_every - 1
    outbox.send(confirmation())
    assert old.exists()  # within the interval: the folder is not listed again
    now[0] += 1
    outbox.send(confirmation())
    assert not old.exists()


def test_mailer_follows_settings(tmp_path):
    outbox = build_mailer(Settings(env="test", email_outbox_dir=str(tmp_path)))
    assert isinstance(outbox, FileOutboxBackend)
    smtp = build_mailer(
        Settings(env="test", smtp_host="mail.test", smtp_port=2525, smtp_security="ssl")
    )
    assert isinstance(smtp, SmtpBackend)
    assert (smtp.host, smtp.port, smtp.security) == ("mail.test", 2525, "ssl")


def test_spanish_emails_are_spanish_throughout():
    order, tickets = sample(seats=2)
    pdf = render_tickets_pdf(order=order, tickets=tickets, language="es")
    confirmation = build_confirmation_email(
        order=order, tickets=tickets, pdf=pdf, sender=SENDER, language="es"
    ).parsed()
    refund = build_refund_email(order=order, sender=SENDER, language="es").parsed()
    expiry = build_expiry_email(order=order, sender=SENDER, language="es").parsed()
    assert confirmation["Subject"].startswith("Tus entradas para Noche Electrónica")
    assert confirmation["Content-Language"] == "es"
    assert refund["Subject"].startswith("Reembolso del pedido")
    assert expiry["Subject"].startswith("Terminó tu reserva")
    for content in (body(confirmation, "plain"), body(confirmation, "html")):
        assert "Hola José Ñúñez" in content
        assert "mar 1 ene 2030, 21:30 (hora de Argentina)" in content
        assert "US$ 300,00" in content
        assert "Sector PLATEA, fila B, butaca 1" in content or "Sector" in content
        assert "payment" not in content
    assert 'lang="es"' in body(confirmation, "html")
    assert "Te estamos reintegrando el monto completo de US$ 300,00" in body(refund, "plain")
    assert "No se te cobró nada" in body(expiry, "html")
    ics = next(
        p for p in confirmation.iter_attachments() if p.get_content_type() == "text/calendar"
    )
    assert "Butacas:" in ics.get_content()


def test_the_html_table_spaces_its_headers_apart():
    """Each header and cell carries padding, so "SectionRowSeatPrice" never runs together."""
    html = body(confirmation().parsed(), "html")
    headers = re.findall(r"<th[^>]*>", html)
    assert len(headers) == 5  # section, row, seat, door code, price
    assert all("padding" in h for h in headers), headers
    assert all("padding" in c for c in re.findall(r"<td[^>]*>", html))
