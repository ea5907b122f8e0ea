"""A lean HTTP/1.1 keep-alive client on asyncio streams, for the request-heavy scenarios.

httpx spends about a millisecond of CPU per request; on a small machine the load generator
then becomes the bottleneck it is meant to measure. This client speaks just enough HTTP/1.1
(JSON bodies, ``Content-Length`` or chunked answers) to keep that cost low. Loopback only.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class RawHTTPError(Exception):
    """The connection failed or the answer could not be read."""


@dataclass
class RawResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class RawClient:
    """``await client.request(method, path, json=…, headers=…)``; pools up to ``limit``."""

    def __init__(self, base_url: str, *, limit: int, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(limit)

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> RawResponse:
        async with self._slots:
            conn = await self._connection()
            try:
                response, reusable = await asyncio.wait_for(
                    self._exchange(conn, method, url, json, headers or {}), self.timeout
                )
            except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
                conn.close()
                raise RawHTTPError(f"{type(exc).__name__}: {exc}") from exc
            except BaseException:  # cancelled mid-request: the connection is in an unknown state
                conn.close()
                raise
            if reusable:
                self._idle.append(conn)
            else:
                conn.close()
            return response

    async def _connection(self) -> _Connection:
        """An idle connection the server has not closed meanwhile, or a new one."""
        while self._idle:
            conn = self._idle.pop()
            if not conn.reader.at_eof():
                return conn
            conn.close()
        return await self._open()

    async def _open(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise RawHTTPError(f"connect: {exc}") from exc
        return _Connection(reader, writer)

    async def _exchange(
        self, conn: _Connection, method: str, url: str, body: Any, headers: dict[str, str]
    ) -> tuple[RawResponse, bool]:
        payload = b"" if body is None else _dumps(body)
        lines = [f"{method} {url} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(payload)}")
        conn.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
        await conn.writer.drain()
        head = await conn.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        got = {}
        for line in header_lines:
            if ":" in line:
                key, value = line.split(":", 1)
                got[key.strip().lower()] = value.strip()
        if got.get("transfer-encoding", "").lower() == "chunked":
            content = await _read_chunked(conn.reader)
        else:
            content = await conn.reader.readexactly(int(got.get("content-length", "0")))
        # after a 5xx the server may close the connection without saying so: do not reuse it
        reusable = got.get("connection", "").lower() != "close" and status < 500
        return RawResponse(status_code=status, headers=got, content=content), reusable


def _dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return bytes(out)
        out += await reader.readexactly(size)
        await reader.readexactly(2)
