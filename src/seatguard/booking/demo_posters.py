"""Posters for the demo concerts, drawn with Pillow: a colour per genre, the name and artist.

The files are committed under ``web/static/posters`` so a new install shows them at once;
``python -m seatguard.booking.demo_posters`` draws them again.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from seatguard.booking.domain import Genre

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

DIRECTORY = Path(__file__).resolve().parents[1] / "web" / "static" / "posters"
URL = "/static/posters"
SIZE = (600, 800)
COLOURS: dict[Genre, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    Genre.ELECTRONICA: ((18, 12, 64), (0, 170, 200)),
    Genre.ROCK: ((40, 8, 8), (200, 60, 20)),
    Genre.POP: ((120, 20, 110), (250, 140, 90)),
    Genre.JAZZ: ((10, 30, 50), (200, 150, 60)),
    Genre.TEATRO: ((60, 10, 20), (220, 180, 120)),
    Genre.VARIOS: ((20, 60, 40), (240, 200, 60)),
    Genre.METAL: ((10, 10, 10), (130, 130, 140)),
}


def slug(name: str) -> str:
    bare = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


def poster_url(name: str) -> str:
    return f"{URL}/{slug(name)}.jpg"


def _font(size: int, bold: bool = False) -> FreeTypeFont:
    import font_lato  # type: ignore[import-untyped]
    from PIL import ImageFont

    files = Path(font_lato.font_directory)
    face = "Lato-Black.ttf" if bold else "Lato-Regular.ttf"
    return ImageFont.truetype(str(files / face), size)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def render(*, name: str, artist: str, venue: str, genre: Genre) -> bytes:
    from PIL import Image, ImageDraw

    top, bottom = COLOURS[genre]
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    for y in range(SIZE[1]):
        t = y / (SIZE[1] - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (SIZE[0], y)], fill=colour)
    lights = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    beams = ImageDraw.Draw(lights)
    for i in range(5):  # stage lights fanning down from the rig
        x = 60 + i * 120
        beams.polygon(
            [(x - 6, 0), (x + 6, 0), (x + 110, 560), (x - 110, 560)], fill=(255, 255, 255, 22)
        )
        beams.ellipse([(x - 14, -14), (x + 14, 14)], fill=(255, 255, 230, 200))
    image.paste(lights, (0, 0), lights)
    draw = ImageDraw.Draw(image)
    y = 430
    for line in _wrap(name.upper(), 14):
        draw.text((40, y), line, font=_font(56, bold=True), fill=(255, 255, 255))
        y += 62
    draw.text((40, y + 10), artist, font=_font(34), fill=(255, 240, 200))
    draw.text((40, SIZE[1] - 60), venue, font=_font(24), fill=(235, 235, 235))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def main() -> None:
    from seatguard.booking.seed import DEMO_EVENTS

    DIRECTORY.mkdir(parents=True, exist_ok=True)
    for name, artist, venue, genre in DEMO_EVENTS:
        (DIRECTORY / f"{slug(name)}.jpg").write_bytes(
            render(name=name, artist=artist, venue=venue, genre=genre)
        )


if __name__ == "__main__":
    main()
