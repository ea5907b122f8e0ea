"""Fonts parsed once per process: documents look the same and never share glyphs."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any, cast

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pypdf import PdfReader

from seatguard.tickets.pdf import (
    FALLBACK_FONT,
    FONT,
    _dejavu_file,
    _lato_files,
    render_tickets_pdf,
)
from seatguard.tickets.pdf_fonts import add_cached_font, clear_font_cache
from tests.unit.test_tickets_pdf import sample

DEJAVU = _dejavu_file()
needs_dejavu = pytest.mark.skipif(DEJAVU is None, reason="DejaVu Sans is not installed")


def rasterize(pdf: bytes) -> list[bytes]:
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=2).to_pil().tobytes() for page in document]


def embedded_fonts(pdf: bytes) -> dict[str, set[str]]:
    """Base font name -> glyph names of the font program embedded for it."""
    found: dict[str, set[str]] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(Any, page["/Resources"])
        for ref in resources["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            program = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            found[str(font["/BaseFont"])] = set(TTFont(io.BytesIO(program)).getGlyphOrder())
    return found


def specimen(add: object, fonts: list[tuple[str, str, Path]], text: str) -> bytes:
    pdf = FPDF(unit="mm", format=(148, 210))
    for family, style, path in fonts:
        add(pdf, family, style, path)  # type: ignore[operator]
    if any(family == FALLBACK_FONT for family, _, _ in fonts):
        pdf.set_fallback_fonts([FALLBACK_FONT], exact_match=False)
    pdf.set_creation_date(sample()[0].created_at)
    pdf.add_page()
    for family, style, _ in fonts:
        pdf.set_font(family, style, 14)
        pdf.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def plain_add_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    pdf.add_font(family, style, path)


@pytest.mark.parametrize("cached_first", [True, False])
def test_a_cached_font_draws_exactly_like_add_font(cached_first):
    regular, bold = _lato_files()
    fonts = [(FONT, "", regular), (FONT, "B", bold)]
    if DEJAVU is not None:
        fonts.append((FALLBACK_FONT, "", DEJAVU))
    text = "Noche Electrónica, José Ñúñez 0123456789 {Ω}" if DEJAVU else "Ñúñez 0123 {}"
    clear_font_cache()
    if cached_first:
        cached = specimen(add_cached_font, fonts, text)
        plain = specimen(plain_add_font, fonts, text)
    else:
        plain = specimen(plain_add_font, fonts, text)
        cached = specimen(add_cached_font, fonts, text)
    assert rasterize(cached) == rasterize(plain)
    assert PdfReader(io.BytesIO(cached)).pages[0].extract_text() == (
        PdfReader(io.BytesIO(plain)).pages[0].extract_text()
    )
    assert embedded_fonts(cached) == embedded_fonts(plain)


def test_one_document_does_not_leave_glyphs_in_the_next():
    # Printable ASCII is embedded in every document (fixed codes, so glyph sets repeat): the
    # leak to look for is a character outside it that only the other document used.
    regular, _ = _lato_files()
    lslash = TTFont(regular).getBestCmap()[ord("Ł")]
    order, tickets = sample(seats=1)
    first = render_tickets_pdf(order=order, tickets=tickets)
    other_order, other_tickets = sample(seats=3)
    other_order = dataclasses.replace(
        other_order, holder_name="Zygmunt Łukasz Żółć", holder_email="zygmunt@example.com"
    )
    other = render_tickets_pdf(order=other_order, tickets=other_tickets)
    assert any(lslash in glyphs for glyphs in embedded_fonts(other).values())
    again = render_tickets_pdf(order=order, tickets=tickets)
    assert again == first
    assert all(lslash not in glyphs for glyphs in embedded_fonts(again).values())


def test_text_that_lato_covers_embeds_only_lato():
    order, tickets = sample(seats=2)
    fonts = embedded_fonts(render_tickets_pdf(order=order, tickets=tickets))
    assert sorted(fonts) == ["/MPDFAA+Lato", "/MPDFAA+LatoBold"]


@needs_dejavu
def test_characters_lato_lacks_come_from_the_fallback_font():
    order, tickets = sample(seats=1)
    order = dataclasses.replace(order, holder_name="Łukasz Żółć Ελένη")
    pdf = render_tickets_pdf(order=order, tickets=tickets)
    assert "/MPDFAA+DejaVuSansBook" in embedded_fonts(pdf)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Łukasz Żółć Ελένη" in text
    assert render_tickets_pdf(order=order, tickets=tickets) == pdf
