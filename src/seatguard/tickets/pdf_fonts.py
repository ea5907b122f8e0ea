"""The ticket fonts, parsed once per process and handed to each PDF as a fresh copy.

``FPDF.add_font`` parses a TrueType file every time (cmap, metrics, glyph ids), and the
subsetting at ``output()`` then rewrites the parsed font in place, so a parsed font cannot
simply be shared between documents. What can be shared is what fpdf2 itself treats as
immutable when it copies a font (see ``TTFFont.__deepcopy__``): the cmap, the glyph ids
and the names. Each document gets a copy with its own subset map, its own descriptor (fpdf2
numbers it and writes to it when the document is output), its own widths table and
missing-glyph list, and its own ``fontTools`` font opened lazily from the file's bytes kept
in memory (opened only when the document's fonts are subset, see
``seatguard.tickets.pdf_output``), so nothing used by one document reaches another (also
when two threads write documents at once) and the same text still gives the same bytes.

That font is opened with ``recalcBBoxes=False``: recomputing the bounding boxes makes
``fontTools`` decompile every kept glyph when the subset is saved, which is most of the
cost of writing a font. The embedded font then keeps the whole font's bounding box and
maxima in ``head`` and ``maxp``, which still bound the glyphs it holds.

Importing this module imports neither fpdf2 nor fontTools; the first document does.
"""

from __future__ import annotations

import copy
import io
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

# Set once from the parsed font and never written again (the attributes TTFFont.__deepcopy__
# shares or copies as they are), so every document's copy can point at the same objects.
_SHARED = (
    "type",
    "ttffile",
    "fontkey",
    "scale",
    "name",
    "up",
    "ut",
    "sp",
    "ss",
    "emphasis",
    "is_compressed",
    "is_cff",
    "is_cid_keyed",
    "is_symbol",
    "cff_ros",
    "collection_font_number",
    "cmap",
    "glyph_ids",
    "palette_index",
    "color_font",
)


@dataclass(frozen=True, slots=True)
class _Template:
    data: bytes
    font: TTFFont
    characters: frozenset[int]
    reusable: bool


_lock = threading.Lock()
_templates: dict[tuple[str, str, Path], _Template] = {}


def _reusable(font: TTFFont) -> bool:
    """Plain TrueType outlines only: fonts fpdf2 alters or renders specially are re-added."""
    ttfont = font.ttfont
    return (
        not font.is_cff
        and not font.is_compressed
        and font.color_font is None
        and "glyf" in ttfont
        and ".notdef" in ttfont["glyf"]
    )


def _template(family: str, style: str, path: Path) -> _Template:
    key = (family, style, path)
    with _lock:
        found = _templates.get(key)
        if found is None:
            from fpdf import FPDF
            from fpdf.fonts import TTFFont

            scratch = FPDF()
            scratch.add_font(family, style, path)
            font = scratch.fonts[f"{family.lower()}{style}"]
            if not isinstance(font, TTFFont):  # pragma: no cover - add_font makes TTFFonts
                raise TypeError(f"{path} did not load as a TrueType font")
            reusable = _reusable(font)
            font.close()
            found = _Template(path.read_bytes(), font, frozenset(font.cmap), reusable)
            _templates[key] = found
    return found


def font_characters(family: str, style: str, path: Path) -> frozenset[int]:
    """The code points the font has a glyph for."""
    return _template(family, style, path).characters


def cached_characters(font: object) -> frozenset[int] | None:
    """The characters of ``font`` if ``add_cached_font`` made it (it shares the template's
    cmap object), else None."""
    cmap = getattr(font, "cmap", None)
    with _lock:
        for template in _templates.values():
            if template.reusable and template.font.cmap is cmap:
                return template.characters
    return None


@cache
def _document_font_class() -> type[TTFFont]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    from fpdf.fonts import TTFFont

    class DocumentFont(TTFFont):
        """One document's copy of a parsed font. Its ``fontTools`` font is opened from the
        file's bytes on first use: only subsetting needs it, and a document whose glyph set
        was embedded before is written without subsetting (``pdf_output``)."""

        __slots__ = ("_data", "_opened")
        _data: bytes
        _opened: Any

        @property
        def ttfont(self) -> Any:
            if self._opened is None:
                self._opened = TTFont(
                    io.BytesIO(self._data),
                    recalcTimestamp=False,
                    recalcBBoxes=False,
                    lazy=True,
                    fontNumber=self.collection_font_number,
                )
            return self._opened

        @ttfont.setter
        def ttfont(self, value: Any) -> None:
            self._opened = value

        def close(self) -> None:
            if self._opened is not None:
                self._opened.close()
            self._hbfont = None

    return DocumentFont


def _copy_for(pdf: FPDF, template: _Template) -> TTFFont:
    from fpdf.fonts import SubsetMap

    source = template.font
    kind = _document_font_class()
    font: Any = kind.__new__(kind)
    for name in _SHARED:
        setattr(font, name, getattr(source, name))
    font.i = len(pdf.fonts) + 1
    # The descriptor is its document's own: fpdf2 numbers it and hangs the font file on it
    # when the document is written, so a shared one would be numbered by two documents
    # written at once in two threads (each then pointing at the other's objects).
    font.desc = copy.copy(source.desc)
    font.cw = source.cw.copy()  # a defaultdict: looking up a missing character writes to it
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font._data = template.data
    font.ttfont = None
    font.subset = SubsetMap(font)
    made: TTFFont = font
    return made


def add_cached_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """``pdf.add_font(family, style, path)``, parsing the file only once per process."""
    template = _template(family, style, path)
    if not template.reusable:
        pdf.add_font(family, style, path)
        return
    pdf.fonts[template.font.fontkey] = _copy_for(pdf, template)


def clear_font_cache() -> None:
    """Forget the parsed fonts (the next document parses them again)."""
    with _lock:
        _templates.clear()
