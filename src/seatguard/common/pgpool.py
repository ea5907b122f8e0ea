"""A small pool of async psycopg connections for the hot paths (PostgreSQL only).

Connections are opened on demand up to ``max_size``, in autocommit mode (each hot statement,
or pipeline of statements, is its own transaction) and with ``prepare_threshold=0``, so every
named statement is prepared on a connection the first time it runs there and only bound and
executed afterwards. A connection that breaks is closed together with the idle ones (after a
database restart they are all stale, as SQLAlchemy's pool invalidation assumes too); the
caller's ``psycopg.OperationalError`` is answered 503 by the HTTP layer.

The pool follows the event loop it is used from: served by a new loop (a test client, a
server restarted in the same process), it starts afresh instead of reusing connections and
waiters tied to the old one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

import psycopg

Conn = psycopg.AsyncConnection[tuple[Any, ...]]


def libpq_url(url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


class AsyncPool:
    def __init__(
        self, url: str, *, max_size: int, timeout: float = 10.0, setup: Sequence[str] = ()
    ) -> None:
        self._conninfo = libpq_url(url)
        self._setup = tuple(setup)  # statements run once on each new connection
        self._max = max_size
        self._timeout = timeout
        self._idle: list[Conn] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._turns = asyncio.Semaphore(max_size)
        self._closed = False

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Conn]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._forget_idle()
            self._loop, self._turns = loop, asyncio.Semaphore(self._max)
        turns = self._turns
        if turns.locked():  # wait, within the timeout (a free turn is taken without a timer)
            try:
                await asyncio.wait_for(turns.acquire(), self._timeout)
            except TimeoutError as exc:
                raise psycopg.OperationalError("no database connection free in time") from exc
        else:
            await turns.acquire()
        conn: Conn | None = None
        try:
            conn = self._idle.pop() if self._idle else await self._open()
            yield conn
        finally:
            if conn is not None:
                if conn.broken or conn.closed:
                    self._forget_idle()
                    await self._discard(conn)
                elif self._closed or not self._clean(conn) or turns is not self._turns:
                    await self._discard(conn)
                else:
                    self._idle.append(conn)
            turns.release()

    @staticmethod
    def _clean(conn: Conn) -> bool:
        return conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE

    @property
    def max_size(self) -> int:
        return self._max

    async def _open(self) -> Conn:
        conn = await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, prepare_threshold=0, connect_timeout=5
        )
        try:
            for statement in self._setup:
                await conn.execute(statement.encode(), prepare=False)
        except BaseException:
            await self._discard(conn)
            raise
        return conn

    @staticmethod
    async def _discard(conn: Conn) -> None:
        with suppress(psycopg.Error):
            await conn.close()

    def _forget_idle(self) -> None:
        """Drop the idle connections without awaiting (their loop may be gone)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.pgconn.finish()

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await self._discard(conn)
