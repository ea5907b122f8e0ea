"""Short reads of a SQLite file on the calling thread (the event loop), never waiting.

Each thread keeps one connection of its own (``query_only``, busy timeout 0). In WAL mode a
reader does not wait for writers, so a read by primary key costs tens of microseconds and
can run on the event loop; in the rare moment SQLite would make it wait (a lock it cannot
have at once) the read raises ``Busy`` instead and the caller reads the blocking way, on a
thread. The statements are named and fixed, so each connection caches them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from typing import Any

from seatguard.common.db import Database


class Busy(Exception):
    """SQLite would have made the read wait: read on a thread instead."""


def database_file(db: Database) -> str | None:
    """The path of ``db``'s SQLite file, or None (another database, in memory, a URI)."""
    if db.dialect != "sqlite":
        return None
    path = db.engine.url.database
    if not path or path == ":memory:" or str(path).startswith("file:"):
        return None
    return str(path)


class SqliteReader:
    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._generation = 0  # bumped by ``close``: a thread's older connection is closed

    def one(self, sql: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of ``sql`` (or None); ``Busy`` when it could not be read at once."""
        conn = self._connection()
        try:
            cur = conn.execute(sql, params)
            try:
                row: tuple[Any, ...] | None = cur.fetchone()
            finally:
                cur.close()  # ends the read: no snapshot stays open to hold back checkpoints
        except sqlite3.OperationalError as exc:  # "database is locked" and kin
            raise Busy(str(exc)) from exc
        return row

    def all(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of ``sql``; ``Busy`` when it could not be read at once."""
        conn = self._connection()
        try:
            cur = conn.execute(sql, params)
            try:
                rows: list[tuple[Any, ...]] = cur.fetchall()
            finally:
                cur.close()
        except sqlite3.OperationalError as exc:
            raise Busy(str(exc)) from exc
        return rows

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
            self._generation += 1
        for conn in opened:
            conn.close()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "generation", None) != self._generation:
            conn = sqlite3.connect(
                self._path, timeout=0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA query_only=ON")
            with self._lock:
                self._opened.append(conn)
                self._local.generation = self._generation
            self._local.conn = conn
        return conn
