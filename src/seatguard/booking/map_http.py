"""A kept seat map as an HTTP answer: gzip when the client takes it, 304 when it has it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from fastapi import Response
from fastapi.responses import StreamingResponse

from seatguard.booking.map_cache import WrittenMap

# Must revalidate each time (a seat map changes by the second), but may keep the bytes.
CACHE_CONTROL = "no-cache"
# A bigger map is sent unpacked piece by piece (chunked) to a reader that takes no gzip.
STREAM_ABOVE = 256 * 1024  # gzip bytes


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether ``Accept-Encoding`` takes gzip (``gzip`` or ``*``, with a q above 0)."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() not in ("gzip", "x-gzip", "*"):
            continue
        q = params.strip().removeprefix("q=").strip() if "q=" in params else "1"
        try:
            return float(q) > 0
        except ValueError:
            return False
    return False


def matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of ``If-None-Match`` against ``etag`` (``*`` matches anything)."""
    wanted = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def written_response(written: WrittenMap, headers: Mapping[str, str]) -> Response:
    common = {"ETag": written.etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if matches(headers.get("if-none-match", ""), written.etag):
        return Response(status_code=304, headers=common)
    if accepts_gzip(headers.get("accept-encoding", "")):
        return Response(
            written.gzipped,
            media_type="application/json",
            headers={**common, "Content-Encoding": "gzip"},
        )
    if written.size <= STREAM_ABOVE:
        return Response(written.body(), media_type="application/json", headers=common)
    return StreamingResponse(_unpacked(written), media_type="application/json", headers=common)


async def _unpacked(written: WrittenMap) -> AsyncIterator[bytes]:
    """The JSON a piece at a time (each about 0.3 ms to unpack), sent as the socket drains."""
    for piece in written.body_chunks():
        yield piece
