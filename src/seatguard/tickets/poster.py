"""The event's poster, small, for the PDF tickets and the confirmation email.

A poster is read only from where SeatGuard keeps posters (the demo posters shipped with the
package, uploads on disk or in the S3 bucket), never fetched from an arbitrary URL, and shrunk
once to a JPEG of at most ``THUMB_SIDE`` pixels a side. The result is kept per process, keyed
by the poster and its file's identity, so the tickets of an event decode it once, not once per
order. A poster that cannot be read or decoded gives None and a log line: tickets and emails
go out without it, never stop for it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seatguard.admin.posters import MAX_PIXELS, MOUNT, poster_store, s3_public_base
from seatguard.booking import demo_posters
from seatguard.settings import Settings

log = logging.getLogger("seatguard.tickets")

THUMB_SIDE = 400
CACHE_SIZE = 64
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.jpg$")

_lock = threading.Lock()
_cache: OrderedDict[tuple[object, ...], Poster | None] = OrderedDict()


@dataclass(frozen=True, slots=True)
class Poster:
    """A poster as a small JPEG, with its size in pixels."""

    jpeg: bytes
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()[:16]


def load_poster(url: str, settings: Settings) -> Poster | None:
    """The small poster of ``url`` (an event's ``poster_url``), or None when there is none
    or it cannot be read."""
    if not url:
        return None
    try:
        source = _source(url, settings)
        if source is None:
            log.info("poster %s is not stored here; rendered without it", url)
            return None
        key, read = source
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
        poster = shrink(read())
    except Exception:  # a poster never stops a ticket or an email
        log.warning("poster %s could not be read; rendered without it", url, exc_info=True)
        return None
    with _lock:
        _cache[key] = poster
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return poster


def shrink(data: bytes) -> Poster | None:
    """``data`` as a JPEG of at most THUMB_SIDE pixels a side (None, logged, if not an image)."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            rgb = (ImageOps.exif_transpose(image) or image).convert("RGB")
        rgb.thumbnail((THUMB_SIDE, THUMB_SIDE))
        out = io.BytesIO()
        rgb.save(out, "JPEG", quality=80, optimize=True)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        log.warning("a poster is not a readable image; rendered without it", exc_info=True)
        return None
    return Poster(jpeg=out.getvalue(), width=rgb.width, height=rgb.height)


def _source(url: str, settings: Settings) -> tuple[tuple[object, ...], Callable[[], bytes]] | None:
    """Where ``url`` is kept: a cache key naming the file's version, and how to read it."""
    demo = f"{demo_posters.URL}/"
    if url.startswith(demo):
        return _file(demo_posters.DIRECTORY, url.removeprefix(demo))
    if settings.poster_s3_bucket:
        bucket = settings.poster_s3_bucket
        prefix = f"{s3_public_base(settings)}/posters/"
        name = url.removeprefix(prefix)
        if not url.startswith(prefix) or not _NAME.match(name):
            return None
        # the S3 client is made only when the poster is not cached yet
        return ("s3", bucket, name), lambda: poster_store(settings).read(name)
    if url.startswith(f"{MOUNT}/"):
        return _file(Path(settings.poster_dir), url.removeprefix(f"{MOUNT}/"))
    return None


def _file(directory: Path, name: str) -> tuple[tuple[object, ...], Callable[[], bytes]] | None:
    if not _NAME.match(name):
        return None
    path = directory / name
    stat = path.stat()  # a missing file raises: logged by the caller
    return ("file", str(path), stat.st_mtime_ns, stat.st_size), path.read_bytes


def clear_poster_cache() -> None:
    with _lock:
        _cache.clear()
