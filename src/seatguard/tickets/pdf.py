"""PDF tickets: one page per seat with the event, the seat, the holder and a QR code.

The output is a pure function of the data: the PDF creation date is the first ticket's
``issued_at``, so downloading the same tickets twice gives the same bytes. Text is set in
Lato (shipped by the ``font-lato`` package), falling back to DejaVu Sans where the system
has it for characters Lato lacks.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from seatguard.tickets.formatting import format_event_time, format_money
from seatguard.tickets.views import OrderView, TicketView

FONT = "Lato"
FALLBACK_FONT = "DejaVu"
DEJAVU_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
QR_SIZE_MM = 70.0


def _lato_files() -> tuple[Path, Path]:
    import font_lato  # type: ignore[import-untyped]  # untyped package of TTF files

    base = Path(font_lato.font_directory)
    return base / "Lato-Regular.ttf", base / "Lato-Bold.ttf"


def _dejavu_file() -> Path | None:
    for folder in DEJAVU_DIRS:
        candidate = folder / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    return None


def _new_document(order: OrderView, tickets: list[TicketView]) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format=(148, 210))  # A5
    pdf.set_auto_page_break(auto=False)
    regular, bold = _lato_files()
    pdf.add_font(FONT, "", regular)
    pdf.add_font(FONT, "B", bold)
    dejavu = _dejavu_file()
    if dejavu is not None:
        pdf.add_font(FALLBACK_FONT, "", dejavu)
        pdf.set_fallback_fonts([FALLBACK_FONT], exact_match=False)
    issued = min(t.issued_at for t in tickets) if tickets else order.created_at
    pdf.set_creation_date(issued)
    pdf.set_title(f"Tickets - {order.event.name} - order {order.reference}")
    pdf.set_author("SeatGuard")
    pdf.set_creator("SeatGuard")
    pdf.set_producer("SeatGuard")
    return pdf


def qr_png(code: str, *, scale: int = 8) -> bytes:
    """The ticket code as a PNG QR code (error correction M, quiet zone kept)."""
    out = io.BytesIO()
    segno.make_qr(code, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _line(pdf: FPDF, text: str, *, size: float, bold: bool = False, height: float = 6) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")


def _ticket_page(pdf: FPDF, order: OrderView, ticket: TicketView, index: int, count: int) -> None:
    event = order.event
    pdf.add_page()
    pdf.set_text_color(90, 90, 90)
    _line(pdf, f"SEATGUARD TICKET  {index} / {count}", size=8)
    pdf.set_text_color(0, 0, 0)
    _line(pdf, event.name, size=18, bold=True, height=9)
    if event.artist:
        _line(pdf, event.artist, size=12)
    _line(pdf, event.venue, size=10)
    _line(pdf, format_event_time(event.local_starts_at, event.timezone), size=10)
    pdf.ln(3)
    _line(
        pdf,
        f"Section {ticket.section}   Row {ticket.row}   Seat {ticket.number}",
        size=13,
        bold=True,
    )
    _line(pdf, format_money(ticket.price_minor, ticket.currency), size=11)
    pdf.ln(2)
    holder = order.holder_name
    if order.holder_email and order.holder_email != holder:
        holder = f"{holder} <{order.holder_email}>" if holder else order.holder_email
    _line(pdf, f"Holder: {holder}", size=9, height=5)
    _line(pdf, f"Order: {order.id}", size=9, height=5)
    _line(pdf, f"Ticket: {ticket.id}", size=9, height=5)
    x = (pdf.w - QR_SIZE_MM) / 2
    pdf.image(io.BytesIO(qr_png(ticket.code)), x=x, y=pdf.get_y() + 4, w=QR_SIZE_MM, h=QR_SIZE_MM)
    pdf.set_y(pdf.get_y() + QR_SIZE_MM + 6)
    pdf.set_text_color(90, 90, 90)
    _line(pdf, "Show this code at the door. Each ticket admits one person once.", size=8)


def render_tickets_pdf(*, order: OrderView, tickets: list[TicketView]) -> bytes:
    """One A5 page per ticket; the same data always gives the same bytes."""
    if not tickets:
        raise ValueError("an order without tickets has nothing to print")
    pdf = _new_document(order, tickets)
    for index, ticket in enumerate(tickets, start=1):
        _ticket_page(pdf, order, ticket, index, len(tickets))
    return bytes(pdf.output())
