"""The floor of a cached seat-map read: the same gzip body and ETag served from memory.

Raw ASGI (no framework, no database, no token) under uvicorn with the booking service's
options (httptools and uvloop when installed, one worker, no proxy headers, no access log).
Every GET but ``/health`` gets the map that ``SEATGUARD_BENCH_MAP`` (a file: the ETag on the
first line, then the gzip bytes exactly as the booking service sent them) holds; a matching
``If-None-Match`` gets a 304. What it costs per read is what sending the answer costs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import uvicorn

Scope = dict[str, Any]


def _load() -> tuple[bytes, bytes]:
    data = Path(os.environ["SEATGUARD_BENCH_MAP"]).read_bytes()
    etag, _, gzipped = data.partition(b"\n")
    return etag, gzipped


ETAG, GZIPPED = _load() if "SEATGUARD_BENCH_MAP" in os.environ else (b"", b"")
_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-encoding", b"gzip"),
    (b"etag", ETAG),
    (b"cache-control", b"no-cache"),
    (b"vary", b"Accept-Encoding"),
    (b"content-length", str(len(GZIPPED)).encode()),
]
_NOT_MODIFIED = [(b"etag", ETAG), (b"cache-control", b"no-cache"), (b"vary", b"Accept-Encoding")]


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/health":
        await _answer(send, 200, [(b"content-length", b"2")], b"{}")
        return
    wanted = dict(scope["headers"]).get(b"if-none-match", b"")
    if wanted and wanted.replace(b"W/", b"") == ETAG.replace(b"W/", b""):
        await _answer(send, 304, _NOT_MODIFIED, b"")
        return
    await _answer(send, 200, _HEADERS, GZIPPED)


async def _answer(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(  # the booking service's options (``seatguard booking``)
        "bench.map_floor:app",
        host=args.host,
        port=args.port,
        workers=1,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=3,
    )


if __name__ == "__main__":
    main()
