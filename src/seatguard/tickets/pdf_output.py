"""Embedded ticket fonts, subset once per glyph set and reused by every later document.

Writing a document spends most of its time embedding the fonts: fpdf2 subsets each font with
fontTools, saves it, builds a 128 KiB CID-to-glyph map and compresses both, per document.
The result depends only on which glyphs the document uses and which code each got; documents
of one event use nearly the same glyphs, and ``seed`` gives every character the same code in
every document (the sorted union of printable ASCII and the document's own characters), so
the embedded objects repeat. ``TicketOutputProducer`` lets fpdf2 embed a glyph set the first
time and keeps what it wrote (the font file and CID map compressed, the widths, the ToUnicode
map); later documents with that glyph set get the same objects in the same order without any
subsetting, so a document's bytes do not depend on whether the cache was warm.
Only fonts added through ``seatguard.tickets.pdf_fonts`` are cached; a document with any other
font is written by fpdf2 alone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fpdf.fonts import TTFFont
from fpdf.output import CIDSystemInfo, OutputProducer, PDFFont
from fpdf.syntax import Name, PDFArray, PDFContentStream, PDFObject

from seatguard.tickets.pdf_fonts import cached_characters

if TYPE_CHECKING:
    from fpdf import FPDF

PRINTABLE_ASCII = frozenset(range(0x20, 0x7F))
CACHE_SIZE = 256  # glyph sets kept (a few per event: its texts and its holders' alphabets)

_lock = threading.Lock()
# (font file, font key, characters) -> the subset map's codes after seeding
_seeded: OrderedDict[
    tuple[Any, ...], tuple[dict[Any, int], int, tuple[int, ...], dict[int, str]]
] = OrderedDict()


Codes = dict[str, dict[int, str]]  # per font key: character -> its code, for str.translate


def seed(pdf: FPDF, characters: set[int]) -> Codes:
    """Give ``characters`` (and printable ASCII) codes in a fixed order in every cached font
    of ``pdf``, before any text is written: the same characters then always get the same
    codes, and the fonts' embedded objects are the same from document to document.

    The codes a character set gets are worked out once (fpdf2's ``SubsetMap.pick`` per
    character) and copied into later documents' subset maps. Returns each font's codes for
    the ``characters`` it has (a character fpdf2 would drop maps to nothing), as
    ``str.translate`` tables, for text written without fpdf2's layout."""
    wanted = tuple(sorted(PRINTABLE_ASCII | characters))
    codes: Codes = {}
    for font in pdf.fonts.values():
        covered = cached_characters(font)
        if not isinstance(font, TTFFont) or covered is None:
            continue
        subset = font.subset
        key = (font.ttffile, font.fontkey, wanted)
        with _lock:
            state = _seeded.get(key)
        if state is None:
            for code in wanted:
                if code in covered:
                    subset.pick(code)
            picked = {c: subset.pick(c) if c in covered else None for c in wanted}
            table = {c: chr(code) if code else "" for c, code in picked.items()}
            state = (dict(subset._char_id_per_glyph), subset._next, tuple(subset._reserved), table)
            with _lock:
                _seeded[key] = state
                while len(_seeded) > CACHE_SIZE:
                    _seeded.popitem(last=False)
        else:
            subset._char_id_per_glyph = dict(state[0])
            subset._next = state[1]
            subset._reserved = list(state[2])
        codes[font.fontkey] = state[3]
    return codes


class _Stream(PDFContentStream):
    """A stream whose contents were compressed by an earlier document."""

    def __init__(self, compressed: bytes, *, length1: int | None = None) -> None:
        PDFObject.__init__(self)
        self._contents = compressed
        self.filter = Name("FlateDecode")
        self.length = len(compressed)
        if length1 is not None:
            self.length1 = length1


@dataclass(frozen=True, slots=True)
class _Embedded:
    """What fpdf2 wrote for one font and glyph set."""

    base_font: str
    default_width: Any
    widths: str | None
    to_unicode: bytes
    cid_to_gid: bytes  # compressed
    font_file: bytes  # compressed
    font_file_length: int


_cache: OrderedDict[tuple[Any, ...], _Embedded] = OrderedDict()


def _key(font: TTFFont) -> tuple[Any, ...]:
    glyphs = tuple(
        (glyph.glyph_name, glyph.unicode, glyph.glyph_width, code)
        for glyph, code in font.subset.items()
        if glyph is not None
    )
    return (font.ttffile, font.fontkey, font.name, glyphs)


def _cached(font: Any) -> bool:
    return isinstance(font, TTFFont) and cached_characters(font) is not None


def _harvest(composite: PDFFont) -> _Embedded | None:
    """The cache entry for what fpdf2 just wrote for one font (None if it is not the shape
    this module rebuilds)."""
    descendants = composite.descendant_fonts
    if not isinstance(descendants, PDFArray) or len(descendants) != 1:
        return None
    cid_font = descendants[0]
    descriptor = getattr(cid_font, "font_descriptor", None)
    font_file = getattr(descriptor, "font_file2", None)
    cid_map = getattr(cid_font, "c_i_d_to_g_i_d_map", None)
    to_unicode = composite.to_unicode
    if font_file is None or cid_map is None or to_unicode is None:
        return None
    return _Embedded(
        base_font=str(composite.base_font),
        default_width=cid_font.d_w,
        widths=cid_font.w,
        to_unicode=to_unicode.content_stream(),
        cid_to_gid=cid_map.content_stream(),
        font_file=font_file.content_stream(),
        font_file_length=font_file.length1,
    )


class TicketOutputProducer(OutputProducer):
    """fpdf2's writer, with the ticket fonts' embedded objects reused across documents."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[Any, Any],
        gfxstate_objs_per_name: dict[Any, Any],
        pattern_objs_per_name: dict[Any, Any],
    ) -> dict[int, Any]:
        every = sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
        fonts = [font for font in every if isinstance(font, TTFFont) and _cached(font)]
        if not fonts or len(fonts) != len(every):
            return super()._add_fonts(
                image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name
            )
        keys = [_key(font) for font in fonts]
        with _lock:
            found = [_cache.get(key) for key in keys]
            for key, entry in zip(keys, found, strict=True):
                if entry is not None:
                    _cache.move_to_end(key)
        if any(entry is None for entry in found):
            written = super()._add_fonts(
                image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name
            )
            with _lock:
                for key, font in zip(keys, fonts, strict=True):
                    composite = written.get(font.i)
                    harvested = _harvest(composite) if isinstance(composite, PDFFont) else None
                    if harvested is not None:
                        _cache[key] = harvested
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
            return written
        return {
            font.i: self._embed(font, entry)
            for font, entry in zip(fonts, found, strict=True)
            if entry is not None
        }

    def _embed(self, font: TTFFont, entry: _Embedded) -> PDFFont:
        """The objects fpdf2 writes for a TrueType font, in its order, from the cache."""
        composite = PDFFont(subtype="Type0", base_font=entry.base_font, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        cid_font = PDFFont(
            subtype="CIDFontType2",
            base_font=entry.base_font,
            d_w=entry.default_width,
            w=entry.widths,
        )
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])
        to_unicode = PDFContentStream(entry.to_unicode)
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode
        system_info = CIDSystemInfo()
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info
        descriptor = font.desc  # this document's own (``pdf_fonts``)
        descriptor.font_name = Name(entry.base_font)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor
        cid_map = _Stream(entry.cid_to_gid)
        self._add_pdf_obj(cid_map, "fonts")
        cid_font.c_i_d_to_g_i_d_map = cid_map
        font_file = _Stream(entry.font_file, length1=entry.font_file_length)
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file2 = font_file  # type: ignore[attr-defined]
        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
        return composite


def clear_output_cache() -> None:
    with _lock:
        _cache.clear()
        _seeded.clear()
