"""PDF tickets: readable text, the event's local time, and a QR code that verifies."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from pypdf import PdfReader

from seatguard.tickets.codes import sign_ticket, verify_code
from seatguard.tickets.formatting import format_event_time, format_money
from seatguard.tickets.pdf import qr_png, render_tickets_pdf
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
        assert "USD 150.00" in page
        assert str(order.id) in page
        assert str(ticket.id) in page
        assert "José Ñúñez" in page
        assert "jose@example.com" in page


def test_date_is_shown_in_the_events_own_time_zone():
    order, tickets = sample(seats=1)
    text = page_texts(render_tickets_pdf(order=order, tickets=tickets))[0]
    assert "Tue 1 Jan 2030, 21:30" in text  # not 2 Jan 00:30 UTC
    assert "America/Argentina/Buenos_Aires" in text
    assert "UTC-03:00" in text


def test_qr_code_in_the_pdf_decodes_to_a_verifying_code():
    order, tickets = sample(seats=2)
    reader = PdfReader(io.BytesIO(render_tickets_pdf(order=order, tickets=tickets)))
    for page, ticket in zip(reader.pages, tickets, strict=True):
        images = page.images
        assert len(images) == 1
        image = Image.open(io.BytesIO(images[0].data))
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


def test_qr_png_alone_decodes():
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png("SG1.a.b"))))] == [
        "SG1.a.b"
    ]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (15000, "usd", "USD 150.00"),
        (5, "eur", "EUR 0.05"),
        (1500, "jpy", "JPY 1,500"),
        (123456789, "ars", "ARS 1,234,567.89"),
    ],
)
def test_money_format(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_event_time_format_with_half_hour_zone():
    from zoneinfo import ZoneInfo

    moment = datetime(2030, 3, 4, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Asia/Kolkata"))
    assert (
        format_event_time(moment, "Asia/Kolkata")
        == "Mon 4 Mar 2030, 17:30 (Asia/Kolkata, UTC+05:30)"
    )
