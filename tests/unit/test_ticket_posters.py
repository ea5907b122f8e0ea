"""The event's poster on the PDF tickets and in the confirmation email: small, embedded, read
once per poster, and never a reason for a ticket or an email not to go out."""

from __future__ import annotations

import dataclasses
import io
import logging
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from seatguard.booking import demo_posters
from seatguard.notify.email import build_confirmation_email, poster_cid
from seatguard.settings import Settings
from seatguard.tickets import poster as posters
from seatguard.tickets.pdf import render_tickets_pdf
from seatguard.tickets.poster import THUMB_SIDE, Poster, load_poster
from tests.unit.test_tickets_pdf import page_texts, sample

SENDER = "SeatGuard <tickets@seatguard.test>"


def jpeg(size: tuple[int, int], colour: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    posters.clear_poster_cache()
    return Settings(database_url="sqlite://", poster_dir=str(tmp_path))


def image_count(pdf: bytes) -> list[int]:
    return [len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_an_uploaded_poster_is_read_small_from_the_poster_directory(settings, tmp_path):
    (tmp_path / "e1-abc.jpg").write_bytes(jpeg((900, 1200)))
    poster = load_poster("/posters/e1-abc.jpg", settings)
    assert poster is not None
    assert (poster.width, poster.height) == (300, THUMB_SIDE)
    with Image.open(io.BytesIO(poster.jpeg)) as image:
        assert image.format == "JPEG"
        assert image.size == (300, THUMB_SIDE)


def test_a_demo_poster_is_read_from_the_package(settings):
    url = demo_posters.poster_url("Noche Electrónica")
    assert (demo_posters.DIRECTORY / url.rsplit("/", 1)[1]).is_file()
    poster = load_poster(url, settings)
    assert poster is not None
    assert max(poster.width, poster.height) == THUMB_SIDE


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://evil.example/poster.jpg",  # never fetched
        "/posters/../secrets.jpg",
        "/posters/missing.jpg",
        "/static/posters/../../settings.py",
    ],
)
def test_what_is_not_a_stored_poster_gives_none(settings, url):
    assert load_poster(url, settings) is None


def test_a_poster_is_decoded_once_however_many_tickets_show_it(settings, tmp_path, monkeypatch):
    (tmp_path / "e2-abc.jpg").write_bytes(jpeg((800, 600)))
    calls: list[int] = []
    real = posters.shrink

    def counted(data: bytes) -> Poster | None:
        calls.append(1)
        return real(data)

    monkeypatch.setattr(posters, "shrink", counted)
    first = load_poster("/posters/e2-abc.jpg", settings)
    for _ in range(20):
        assert load_poster("/posters/e2-abc.jpg", settings) == first
    assert len(calls) == 1
    (tmp_path / "e2-abc.jpg").write_bytes(jpeg((640, 640), "red"))  # replaced: read again
    assert load_poster("/posters/e2-abc.jpg", settings) != first
    assert len(calls) == 2


def test_the_pdf_shows_the_poster_on_every_page_and_embeds_it_once(settings):
    order, tickets = sample(seats=3)
    poster = posters.shrink(jpeg((600, 800)))
    assert poster is not None
    pdf = render_tickets_pdf(order=order, tickets=tickets, poster=poster)
    assert image_count(pdf) == [1, 1, 1]
    assert pdf.count(b"/Subtype /Image") == 1
    assert render_tickets_pdf(order=order, tickets=tickets, poster=poster) == pdf
    assert all("Noche Electrónica" in page for page in page_texts(pdf))


def test_the_qr_code_still_decodes_and_the_text_keeps_clear_of_the_poster(settings):
    import pypdfium2 as pdfium  # type: ignore[import-untyped]
    import zxingcpp

    from seatguard.tickets import pdf as ticket_pdf

    order, tickets = sample(seats=1)
    long_name = dataclasses.replace(order.event, name="Gran Festival de Música Electrónica " * 2)
    order = dataclasses.replace(order, event=long_name)
    poster = load_poster(demo_posters.poster_url("Noche Electrónica"), settings)
    assert poster is not None
    pdf = render_tickets_pdf(order=order, tickets=tickets, poster=poster)
    document = pdfium.PdfDocument(pdf)
    page = document[0]
    text = page.get_textpage()
    try:
        image = page.render(scale=2).to_pil()
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [tickets[0].code]
        width, _ = ticket_pdf._poster_box(poster)
        poster_left_pt = (148 - 10 - width) / 25.4 * 72
        beside = page.get_height() - (10 + 42) / 25.4 * 72
        for index in range(text.count_chars()):
            _left, _bottom, right, top = text.get_charbox(index)
            if top > beside:
                assert right <= poster_left_pt, text.get_text_range(index, 1)
    finally:
        text.close()
        page.close()
        document.close()


def test_an_event_without_a_poster_prints_as_before(settings):
    order, tickets = sample(seats=2)
    pdf = render_tickets_pdf(order=order, tickets=tickets, poster=None)
    assert image_count(pdf) == [0, 0]
    assert b"/Subtype /Image" not in pdf


def test_a_long_event_name_wraps_beside_the_poster(settings):
    order, tickets = sample(seats=1)
    event = dataclasses.replace(order.event, name="Gran Festival de Música " * 4)
    poster = posters.shrink(jpeg((400, 400)))
    pdf = render_tickets_pdf(
        order=dataclasses.replace(order, event=event), tickets=tickets, poster=poster
    )
    assert "Gran Festival" in page_texts(pdf)[0]


def test_a_corrupt_poster_still_gives_a_valid_pdf_and_email(settings, tmp_path, caplog):
    (tmp_path / "e3-bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    order, tickets = sample(seats=1)
    order = dataclasses.replace(
        order, event=dataclasses.replace(order.event, poster_url="/posters/e3-bad.jpg")
    )
    with caplog.at_level(logging.WARNING, logger="seatguard.tickets"):
        poster = load_poster(order.event.poster_url, settings)
    assert poster is None
    assert "rendered without it" in caplog.text
    pdf = render_tickets_pdf(order=order, tickets=tickets, poster=poster)
    assert image_count(pdf) == [0]
    msg = build_confirmation_email(
        order=order, tickets=tickets, pdf=pdf, sender=SENDER, poster=poster
    ).parsed()
    assert [
        part.get_content_type() for part in msg.walk() if part.get_content_maintype() == "image"
    ] == []
    assert "cid:" not in body(msg, "html")


def body(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def test_the_confirmation_email_carries_the_poster_inline(settings):
    order, tickets = sample(seats=2)
    poster = posters.shrink(jpeg((600, 800)))
    assert poster is not None
    pdf = render_tickets_pdf(order=order, tickets=tickets, poster=poster)
    msg = build_confirmation_email(
        order=order, tickets=tickets, pdf=pdf, sender=SENDER, poster=poster
    ).parsed()
    cid = poster_cid(order, SENDER)
    assert cid == f"poster.{order.event.id}@seatguard.test"
    images = [part for part in msg.walk() if part.get_content_maintype() == "image"]
    assert len(images) == 1
    image = images[0]
    assert image["Content-ID"] == f"<{cid}>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == poster.jpeg
    related = [part for part in msg.walk() if part.get_content_type() == "multipart/related"]
    assert len(related) == 1
    assert [p.get_content_type() for p in related[0].iter_parts()] == ["text/html", "image/jpeg"]
    html = body(msg, "html")
    assert f'src="cid:{cid}"' in html
    assert 'alt="Poster of Noche Electrónica"' in html
    assert "cid:" not in body(msg, "plain")
    attachments = {part.get_filename() for part in msg.iter_attachments()}
    assert f"tickets-{order.reference}.pdf" in attachments
