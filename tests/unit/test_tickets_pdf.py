"""PDF tickets: readable text, the event's local time, and a QR code that verifies."""

from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import UTC, datetime

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

from seatguard.tickets.codes import sign_ticket, verify_code
from seatguard.tickets.formatting import format_event_time, format_money
from seatguard.tickets.pdf import qr_modules, render_tickets_pdf
from seatguard.tickets.views import EventView, OrderView, SeatLine, TicketView

KEY = Ed25519PrivateKey.generate()
ISSUED = datetime(2029, 11, 5, 14, 30, tzinfo=UTC)


def sample(seats: int = 2) -> tuple[OrderView, list[TicketView]]:
    event = EventView(
        id=uuid.uuid4(),
        name="Noche Electrónica",
        artist="Señor Coconut",
        venue="Estadio Único, La Plata",
        starts_at=datetime(2030, 1, 2, 0, 30, tzinfo=UTC),  # 21:30 on 1 Jan in Buenos Aires
        timezone="America/Argentina/Buenos_Aires",
    )
    order_id = uuid.uuid4()
    tickets = []
    for n in range(1, seats + 1):
        ticket_id = uuid.uuid4()
        tickets.append(
            TicketView(
                id=ticket_id,
                order_id=order_id,
                seat_id=uuid.uuid4(),
                section="PLATEA",
                row="B",
                number=str(n),
                price_minor=15000,
                currency="usd",
                code=sign_ticket(
                    ticket_id=ticket_id,
                    event_id=event.id,
                    seat_label=f"PLATEA B{n}",
                    private_key=KEY,
                ),
                short_code=f"K7QM4XPD9TR{n}",
                issued_at=ISSUED,
                checked_in_at=None,
            )
        )
    order = OrderView(
        id=order_id,
        user_id="alice",
        status="COMPLETED",
        currency="usd",
        amount_total=15000 * seats,
        holder_name="José Ñúñez",
        holder_email="jose@example.com",
        created_at=ISSUED,
        completed_at=ISSUED,
        event=event,
        seats=tuple(
            SeatLine(seat_id=t.seat_id, section=t.section, row=t.row, number=t.number, amount=15000)
            for t in tickets
        ),
    )
    return order, tickets


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_one_page_per_seat_with_everything_a_door_needs():
    order, tickets = sample(seats=2)
    pages = page_texts(render_tickets_pdf(order=order, tickets=tickets))
    assert len(pages) == 2
    for page, ticket in zip(pages, tickets, strict=True):
        assert "Noche Electrónica" in page
        assert "Señor Coconut" in page
        assert "Estadio Único, La Plata" in page
        assert f"Seat {ticket.number}" in page
        assert "Section PLATEA" in page
        assert "$150.00" in page
        assert str(order.id) in page
        assert str(ticket.id) in page
        assert "José Ñúñez" in page
        assert "jose@example.com" in page


def test_date_is_shown_in_the_events_own_time_zone():
    order, tickets = sample(seats=1)
    text = page_texts(render_tickets_pdf(order=order, tickets=tickets))[0]
    assert "Tue 1 Jan 2030, 9:30 PM (Argentina Time)" in text  # not 2 Jan 00:30 UTC


def test_spanish_ticket_reads_in_spanish_with_local_time_and_money():
    order, tickets = sample(seats=1)
    text = page_texts(render_tickets_pdf(order=order, tickets=tickets, language="es"))[0]
    assert "mar 1 ene 2030, 21:30 (hora de Argentina)" in text
    assert "Sector PLATEA" in text
    assert "Butaca 1" in text
    assert "US$ 150,00" in text
    assert "Titular: José Ñúñez" in text
    assert "Mostrá este código en la puerta" in text
    assert "Show this code" not in text


@pytest.mark.parametrize("scale", [1, 3])  # 72 and 216 dpi
def test_qr_code_in_the_pdf_decodes_to_a_verifying_code(scale):
    order, tickets = sample(seats=2)
    pdf = render_tickets_pdf(order=order, tickets=tickets)
    pages = pdfium.PdfDocument(pdf)
    assert len(pages) == len(tickets)
    for page, ticket in zip(pages, tickets, strict=True):
        image = page.render(scale=scale).to_pil()
        decoded = [r.text for r in zxingcpp.read_barcodes(image)]
        assert decoded == [ticket.code]
        claims = verify_code(decoded[0], KEY.public_key())
        assert claims.ticket_id == ticket.id
        assert claims.seat_label == f"PLATEA B{ticket.number}"


def test_same_data_gives_the_same_bytes():
    order, tickets = sample()
    first = render_tickets_pdf(order=order, tickets=tickets)
    assert render_tickets_pdf(order=order, tickets=tickets) == first
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata is not None
    assert metadata.creation_date == ISSUED


def test_no_tickets_is_an_error():
    order, _ = sample()
    with pytest.raises(ValueError, match="without tickets"):
        render_tickets_pdf(order=order, tickets=[])


def test_qr_code_is_one_vector_path_with_a_rectangle_per_run_of_dark_modules():
    order, tickets = sample(seats=1)
    reader = PdfReader(io.BytesIO(render_tickets_pdf(order=order, tickets=tickets)))
    page = reader.pages[0]
    assert len(page.images) == 0
    rows = qr_modules(tickets[0].code)
    runs = sum(
        1 for row in rows for col, dark in enumerate(row) if dark and (col == 0 or not row[col - 1])
    )
    operators = [op for _, op in ContentStream(page.get_contents(), reader).operations]
    assert operators.count(b"re") == runs
    assert operators.count(b"f") == 1


def test_qr_modules_decode_with_a_quiet_zone():
    rows = qr_modules("SG1.a.b")
    size = len(rows) + 8
    image = Image.new("L", (size, size), 255)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x + 4, y + 4), 0)
    image = image.resize((size * 8, size * 8), Image.Resampling.NEAREST)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["SG1.a.b"]


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        (15000, "usd", "en", "$150.00"),
        (5, "eur", "en", "€0.05"),
        (1500, "jpy", "en", "¥1,500"),
        (123456789, "ars", "en", "ARS1,234,567.89"),
        (15000, "usd", "es", "US$ 150,00"),
        (5, "eur", "es", "EUR 0,05"),
        (1500, "jpy", "es", "JPY 1.500"),
        (123456789, "ars", "es", "$ 1.234.567,89"),
    ],
)
def test_money_format(amount, currency, language, expected):
    assert format_money(amount, currency, language).replace("\xa0", " ") == expected


def test_event_time_format_with_half_hour_zone():
    from zoneinfo import ZoneInfo

    moment = datetime(2030, 3, 4, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Asia/Kolkata"))
    assert format_event_time(moment, "Asia/Kolkata") == "Mon 4 Mar 2030, 5:30 PM (India Time)"
    assert (
        format_event_time(moment, "Asia/Kolkata", "es") == "lun 4 mar 2030, 17:30 (hora de India)"
    )
    utc = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
    assert format_event_time(utc, "UTC") == "Mon 4 Mar 2030, 12:00 PM (UTC)"


def test_a_long_event_name_still_wraps_and_the_qr_code_still_reads():
    order, tickets = sample(seats=1)
    name = "Gran Festival Internacional de Música Electrónica y Artes Digitales del Río de la Plata"
    order = dataclasses.replace(order, event=dataclasses.replace(order.event, name=name))
    pdf = render_tickets_pdf(order=order, tickets=tickets)
    text = page_texts(pdf)[0]
    assert name not in text  # broken over lines
    assert " ".join(text.split()).count(name) == 1
    image = pdfium.PdfDocument(pdf)[0].render(scale=2).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [tickets[0].code]


@pytest.mark.parametrize(
    ("name", "holder", "language"),
    [
        ("Noche Electrónica", "José Ñúñez", None),
        ("Rock (en vivo) \\ Día 2", "Ana (la de) García", "es"),
        ("Plain", "", None),
    ],
)
def test_lines_set_directly_are_the_bytes_fpdf2_cells_write(
    monkeypatch: pytest.MonkeyPatch, name: str, holder: str, language: str | None
) -> None:
    """Lines that fit are written without fpdf2's text layout; the document is the same,
    byte for byte, as when fpdf2's ``cell`` sets them (grey, bold, escaped parentheses)."""
    from fpdf.enums import XPos, YPos

    from seatguard.tickets import pdf as ticket_pdf

    order, tickets = sample(3)
    order = dataclasses.replace(
        order, holder_name=holder, event=dataclasses.replace(order.event, name=name)
    )
    direct = render_tickets_pdf(order=order, tickets=tickets, language=language)
    calls: list[str] = []

    def by_fpdf2(pdf: object, line: object, _codes: object) -> None:
        calls.append(line.text)  # type: ignore[attr-defined]
        pdf.cell(  # type: ignore[attr-defined]
            0,
            line.height,  # type: ignore[attr-defined]
            line.text,  # type: ignore[attr-defined]
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )

    monkeypatch.setattr(ticket_pdf, "_set_line", by_fpdf2)
    assert render_tickets_pdf(order=order, tickets=tickets, language=language) == direct
    assert len(calls) >= 3 * 10  # every page's lines went through the direct path
