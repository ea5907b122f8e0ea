"""PDF tickets: one page per seat with the event, the seat, the holder and a QR code.

The output is a pure function of the data: the PDF creation date is the first ticket's
``issued_at``, so downloading the same tickets twice gives the same bytes. Text is set in
Lato (shipped by the ``font-lato`` package), falling back to DejaVu Sans where the system
has it for characters Lato lacks; DejaVu is embedded only in documents whose text needs it.
The fonts are parsed once per process (see ``seatguard.tickets.pdf_fonts``) and each glyph set
is subset and embedded once (see ``seatguard.tickets.pdf_output``); the QR symbols come from
``seatguard.tickets.qr``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from seatguard.common.i18n import gettext, use_language
from seatguard.tickets.formatting import format_event_time, format_money
from seatguard.tickets.pdf_fonts import add_cached_font, font_characters
from seatguard.tickets.poster import Poster
from seatguard.tickets.views import OrderView, TicketView

if TYPE_CHECKING:  # fpdf2 (with Pillow and fontTools) is imported by the first document
    from fpdf import FPDF

    from seatguard.tickets.pdf_output import Codes

FONT = "Lato"
FALLBACK_FONT = "DejaVu"
DEJAVU_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
QR_SIZE_MM = 70.0
POSTER_WIDTH_MM = 30.0
POSTER_MAX_HEIGHT_MM = 42.0
POSTER_GAP_MM = 4.0
QR_QUIET_ZONE = 4  # modules of white around the symbol, as the standard asks
_DARK_RUN = re.compile("1+")


@cache
def _lato_files() -> tuple[Path, Path]:
    import font_lato  # type: ignore[import-untyped]  # untyped package of TTF files

    base = Path(font_lato.font_directory)
    return base / "Lato-Regular.ttf", base / "Lato-Bold.ttf"


@cache
def _dejavu_file() -> Path | None:
    for folder in DEJAVU_DIRS:
        candidate = folder / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    return None


@cache
def _lato_characters() -> frozenset[int]:
    """The characters both Lato fonts (regular and bold) have."""
    regular, bold = _lato_files()
    return font_characters(FONT, "", regular) & font_characters(FONT, "B", bold)


def _needs_fallback(characters: set[int]) -> bool:
    """Whether some character is missing from Lato (regular or bold)."""
    return not characters <= _lato_characters()


def _new_document(order: OrderView, tickets: list[TicketView], *, fallback: bool) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format=(148, 210))  # A5
    pdf.set_auto_page_break(auto=False)
    regular, bold = _lato_files()
    add_cached_font(pdf, FONT, "", regular)
    add_cached_font(pdf, FONT, "B", bold)
    dejavu = _dejavu_file() if fallback else None
    if dejavu is not None:
        add_cached_font(pdf, FALLBACK_FONT, "", dejavu)
        pdf.set_fallback_fonts([FALLBACK_FONT], exact_match=False)
    issued = min(t.issued_at for t in tickets) if tickets else order.created_at
    pdf.set_creation_date(issued)
    pdf.set_title(
        gettext("Tickets - %(event)s - order %(reference)s")
        % {"event": order.event.name, "reference": order.reference}
    )
    pdf.set_author("SeatGuard")
    pdf.set_creator("SeatGuard")
    pdf.set_producer("SeatGuard")
    return pdf


def qr_modules(code: str) -> tuple[bytearray, ...]:
    """The ticket code's QR symbol (error correction M) as rows of 0/1 modules, no quiet zone."""
    from seatguard.tickets.qr import qr_rows

    size, rows = qr_rows(code)
    return tuple(bytearray(int(c) for c in format(row, f"0{size}b")) for row in rows)


def _draw_qr(pdf: FPDF, code: str, *, x: float, y: float, size: float) -> None:
    """Draw the QR code as one filled vector path, a rectangle per run of dark modules.

    The square ``size`` wide at (x, y) holds the symbol and a quiet zone of four modules.
    The path is written in module units through a transformation matrix, so every edge
    lands exactly on the module grid and the code is sharp at any zoom; one path (rather
    than a fill per rectangle) leaves no hairline seams between touching rectangles.
    """
    from seatguard.tickets.qr import qr_rows

    width, rows = qr_rows(code)
    modules = width + 2 * QR_QUIET_ZONE
    unit = size / modules * pdf.k  # points per module
    left = x * pdf.k
    top = (pdf.h - y) * pdf.k
    ops = [f"q 0 g {unit:.4f} 0 0 {-unit:.4f} {left:.4f} {top:.4f} cm"]
    bits = f"0{width}b"
    for row_index, row in enumerate(rows):
        y_modules = row_index + QR_QUIET_ZONE
        for run in _DARK_RUN.finditer(format(row, bits)):
            ops.append(f"{run.start() + QR_QUIET_ZONE} {y_modules} {run.end() - run.start()} 1 re")
    ops.append("f Q")
    # fpdf2 has no public call for raw path operators; its own drawing calls use _out.
    pdf._out("\n".join(ops))


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    size: float
    bold: bool = False
    height: float = 6
    grey: bool = False
    space_before: float = 0


def _ticket_lines(
    order: OrderView, ticket: TicketView, index: int, count: int
) -> tuple[list[_Line], list[_Line]]:
    """The text above and below the QR code of one ticket's page."""
    event = order.event
    holder = order.holder_name
    if order.holder_email and order.holder_email != holder:
        holder = f"{holder} <{order.holder_email}>" if holder else order.holder_email
    above = [
        _Line(gettext("SEATGUARD TICKET  %(index)d / %(count)d") % _n(index, count), 8, grey=True),
        _Line(event.name, size=18, bold=True, height=9),
        *([_Line(event.artist, size=12)] if event.artist else []),
        _Line(event.venue, size=10),
        _Line(format_event_time(event.local_starts_at, event.timezone), size=10),
        _Line(
            gettext("Section %(section)s   Row %(row)s   Seat %(number)s")
            % {"section": ticket.section, "row": ticket.row, "number": ticket.number},
            size=13,
            bold=True,
            space_before=3,
        ),
        _Line(format_money(ticket.price_minor, ticket.currency), size=11),
        _Line(gettext("Holder: %(holder)s") % {"holder": holder}, 9, height=5, space_before=2),
        _Line(gettext("Order: %(id)s") % {"id": order.id}, size=9, height=5),
        _Line(gettext("Ticket: %(id)s") % {"id": ticket.id}, size=9, height=5),
    ]
    door = gettext("Show this code at the door. Each ticket admits one person once.")
    below = [
        _Line(ticket.printed_short_code, size=16, bold=True, height=8),
        _Line(door, 8, grey=True),
    ]
    return above, below


def _n(index: int, count: int) -> dict[str, int]:
    return {"index": index, "count": count}


def _write(pdf: FPDF, line: _Line, *, codes: Codes | None) -> None:
    """One paragraph; set directly (``_set_line``) when it surely fits on one line.

    ``codes`` is None when some character is not in Lato: fpdf2 then sets every line, picking
    a fallback font per character. ``multi_cell`` (for a line that may wrap) re-measures the
    line for every character it adds; widths are the sum of Lato's glyph widths."""
    from fpdf.enums import XPos, YPos

    if line.space_before:
        pdf.ln(line.space_before)
    grey = 90 if line.grey else 0
    if pdf.text_color != _grey_color(grey):
        pdf.set_text_color(grey, grey, grey)
    pdf.set_font(FONT, "B" if line.bold else "", line.size)
    fits = codes is not None and "\n" not in line.text
    if fits and _width(pdf, line.text) < pdf.epw - 2 * pdf.c_margin:
        assert codes is not None
        _set_line(pdf, line, codes)
        return
    pdf.multi_cell(0, line.height, line.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")


@cache
def _grey_color(level: int) -> object:
    from fpdf.drawing_primitives import convert_to_device_color

    return convert_to_device_color(level, level, level)


def _set_line(pdf: FPDF, line: _Line, codes: Codes) -> None:
    """What ``pdf.cell(0, line.height, line.text, new_x=LMARGIN, new_y=NEXT, align="L")``
    writes for one line of Lato text that fits, byte for byte, without fpdf2's text fragments
    and line layout (most of a page's cost): the text is mapped to the font subset's codes
    and written with one ``Tj``, in a ``q``/``Q`` pair when its colour is not the fill colour.
    """
    from fpdf.util import escape_parens

    font = pdf.current_font
    assert font is not None
    if not pdf.current_font_is_set_on_page:
        # fpdf2 has no public call for this; its own text calls use the same two.
        pdf._out(pdf._set_font_for_page(font, pdf.font_size_pt))
    k = pdf.k
    x = (pdf.x + pdf.c_margin) * k
    y = (pdf.h - pdf.y - 0.5 * line.height - 0.3 * pdf.font_size) * k
    mapped = line.text.translate(codes[font.fontkey])
    text = escape_parens(mapped.encode("utf-16-be").decode("latin-1"))
    color = pdf.text_color
    if color is not None and color != pdf.fill_color:
        pdf._out(f"q BT {x:.2f} {y:.2f} Td {color.serialize().lower()} ({text}) Tj ET Q")
    else:
        pdf._out(f"BT {x:.2f} {y:.2f} Td ({text}) Tj ET")
    pdf._lasth = line.height
    pdf.x = pdf.l_margin
    pdf.y += line.height


def _width(pdf: FPDF, text: str) -> float:
    """``pdf.get_string_width(text)`` for plain text in the current Lato font (no character
    spacing or stretching is set): the glyph widths summed, without fpdf2's text fragments."""
    font = pdf.current_font
    assert font is not None
    return float(font.get_text_width(text, pdf.font_size_pt, None)[1]) / pdf.k


def _poster_box(poster: Poster) -> tuple[float, float]:
    """The poster's printed width and height in mm: 30 mm wide, at most 42 mm tall."""
    height = POSTER_WIDTH_MM * poster.height / poster.width
    if height <= POSTER_MAX_HEIGHT_MM:
        return POSTER_WIDTH_MM, height
    return POSTER_MAX_HEIGHT_MM * poster.width / poster.height, POSTER_MAX_HEIGHT_MM


def _draw_poster(pdf: FPDF, poster: Poster) -> float:
    """The poster in the top right corner; returns the right margin the text beside it keeps.

    fpdf2 keeps one image object per document for the same bytes, so the JPEG is embedded
    once however many pages show it (and passed through as it is, not decoded)."""
    width, height = _poster_box(poster)
    x = pdf.w - pdf.r_margin - width
    pdf.image(io.BytesIO(poster.jpeg), x=x, y=pdf.t_margin, w=width, h=height)
    return pdf.r_margin + width + POSTER_GAP_MM


def _ticket_page(
    pdf: FPDF,
    code: str,
    above: list[_Line],
    below: list[_Line],
    *,
    codes: Codes | None,
    poster: Poster | None = None,
) -> None:
    pdf.add_page()
    margin = pdf.r_margin
    if poster is not None:
        pdf.set_right_margin(_draw_poster(pdf, poster))
    for line in above:
        _write(pdf, line, codes=codes)
    pdf.set_right_margin(margin)
    _draw_qr(pdf, code, x=(pdf.w - QR_SIZE_MM) / 2, y=pdf.get_y() + 4, size=QR_SIZE_MM)
    pdf.set_y(pdf.get_y() + QR_SIZE_MM + 6)
    for line in below:
        _write(pdf, line, codes=codes)


def render_tickets_pdf(
    *,
    order: OrderView,
    tickets: list[TicketView],
    language: str | None = None,
    poster: Poster | None = None,
) -> bytes:
    """One A5 page per ticket in ``language`` (English unless told); same data, same bytes.

    ``poster`` (see ``seatguard.tickets.poster``) is printed in each page's corner."""
    from seatguard.tickets.pdf_output import TicketOutputProducer, seed

    if not tickets:
        raise ValueError("an order without tickets has nothing to print")
    with use_language(language):
        pages = [
            _ticket_lines(order, ticket, index, len(tickets))
            for index, ticket in enumerate(tickets, start=1)
        ]
    text = "".join(line.text for above, below in pages for line in (*above, *below))
    characters = set(map(ord, text))
    fallback = _needs_fallback(characters)
    pdf = _new_document(order, tickets, fallback=fallback)
    codes = seed(pdf, characters)
    for ticket, (above, below) in zip(tickets, pages, strict=True):
        _ticket_page(
            pdf, ticket.code, above, below, codes=None if fallback else codes, poster=poster
        )
    return bytes(pdf.output(output_producer_class=TicketOutputProducer))
