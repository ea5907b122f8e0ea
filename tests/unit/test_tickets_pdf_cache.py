"""Embedded fonts are subset once per glyph set: a warm document is the cold one, byte for byte,
and documents with other characters still get every glyph they show."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fontTools import subset  # type: ignore[import-untyped]

from seatguard.tickets import pdf_output
from seatguard.tickets.pdf import render_tickets_pdf
from seatguard.tickets.views import OrderView
from tests.unit.test_tickets_pdf import page_texts, sample


@pytest.fixture
def subsets(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts fontTools subsetting runs (the real ones: the call is passed through)."""
    calls: list[int] = []
    real = subset.Subsetter.subset

    def counted(self: subset.Subsetter, font: object) -> None:
        calls.append(1)
        real(self, font)

    monkeypatch.setattr(subset.Subsetter, "subset", counted)
    pdf_output.clear_output_cache()
    return calls


def test_a_warm_document_is_the_cold_one_without_subsetting(subsets: list[int]):
    order, tickets = sample(seats=2)
    cold = render_tickets_pdf(order=order, tickets=tickets)
    assert len(subsets) == 2  # Lato regular and bold
    warm = render_tickets_pdf(order=order, tickets=tickets)
    assert warm == cold
    assert len(subsets) == 2


def test_other_tickets_of_the_event_reuse_the_fonts(subsets: list[int]):
    order, tickets = sample(seats=1)
    render_tickets_pdf(order=order, tickets=tickets)
    other_order, other_tickets = sample(seats=4)  # other ids, seats, same alphabet
    other_order = dataclasses.replace(other_order, event=order.event)
    pages = page_texts(render_tickets_pdf(order=other_order, tickets=other_tickets))
    assert len(subsets) == 2
    assert [f"Seat {t.number}" in page for t, page in zip(other_tickets, pages, strict=True)] == [
        True
    ] * 4


def test_a_new_alphabet_gets_its_own_subset_and_shows_every_character(subsets: list[int]):
    order, tickets = sample(seats=1)
    render_tickets_pdf(order=order, tickets=tickets)
    renamed = dataclasses.replace(order, holder_name="Łukasz Żółć-Œuvre")
    first = render_tickets_pdf(order=renamed, tickets=tickets)
    assert len(subsets) == 4
    assert "Łukasz Żółć-Œuvre" in page_texts(first)[0]
    assert render_tickets_pdf(order=renamed, tickets=tickets) == first
    assert len(subsets) == 4


def test_line_widths_are_what_fpdf2_measures():
    from seatguard.tickets import pdf

    order, tickets = sample(seats=1)
    long_name = dataclasses.replace(order.event, name="Gran Festival de Música " * 4)
    for view in (order, dataclasses.replace(order, event=long_name)):
        doc = pdf._new_document(view, tickets, fallback=False)
        doc.add_page()
        above, below = pdf._ticket_lines(view, tickets[0], 1, 1)
        for line in (*above, *below):
            doc.set_font(pdf.FONT, "B" if line.bold else "", line.size)
            assert pdf._width(doc, line.text) == pytest.approx(doc.get_string_width(line.text))


def test_documents_rendered_at_once_in_threads_are_each_whole():
    """A worker renders its messages' documents in threads: each document, cold or warm,
    is the one rendered alone (fonts' objects are never shared between two documents)."""
    names = ["Ana", "Łukasz Żółć", "Zoë Ærø", "Ñandú Güemes", "Ελένη", "Søren"] * 4
    order, tickets = sample(seats=2)
    orders = [dataclasses.replace(order, holder_name=name) for name in names]
    alone = []
    for each in orders:
        pdf_output.clear_output_cache()
        alone.append(render_tickets_pdf(order=each, tickets=tickets))
    start = threading.Barrier(len(orders))

    def render(each: OrderView) -> bytes:
        start.wait()
        return render_tickets_pdf(order=each, tickets=tickets)

    for cold in (True, True, False):  # every glyph set cold (embedded at once), then warm
        if cold:
            pdf_output.clear_output_cache()
        with ThreadPoolExecutor(max_workers=len(orders)) as pool:
            together = list(pool.map(render, orders))
        assert together == alone
