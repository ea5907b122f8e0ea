"""The lean baseline's SQLite side: the stdlib ``sqlite3`` driver on one writer thread.

The thread keeps one connection open (WAL, the busy timeout) and runs each hold as one
statement in autocommit: the conditional ``UPDATE … RETURNING`` on SeatGuard's own ``seats``
table, all or nothing for several seats (the UPDATE runs only when every seat asked for is
free for the user). As on PostgreSQL it checks neither the sale window nor the per-user cap,
announces nothing and queues with no other writer: what any Python server at least spends.
"""

from __future__ import annotations

import asyncio
import json
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

HOLD = """\
UPDATE seats SET
  status = 'LOCKED',
  held_by = :user,
  held_until = CASE WHEN status = 'LOCKED' AND held_by = :user AND held_until > :now
                    THEN held_until ELSE :until END,
  order_id = CASE WHEN status = 'LOCKED' AND held_by = :user AND held_until > :now
                  THEN order_id END,
  version = version + 1,
  updated_at = :now
WHERE id IN (SELECT value FROM json_each(:ids))
  AND (status = 'AVAILABLE' OR (status = 'LOCKED' AND (held_until <= :now OR held_by = :user)))
  AND (SELECT count(*) FROM seats
       WHERE id IN (SELECT value FROM json_each(:ids))
         AND (status = 'AVAILABLE'
              OR (status = 'LOCKED' AND (held_until <= :now OR held_by = :user)))) = :wanted
RETURNING id, held_until"""

RELEASE = """\
UPDATE seats SET status = 'AVAILABLE', held_by = NULL, held_until = NULL, order_id = NULL,
  version = version + 1, updated_at = :now
WHERE id = :id AND status = 'LOCKED' AND held_by = :user AND held_until > :now
  AND order_id IS NULL
RETURNING id"""

Call = tuple[Callable[[sqlite3.Connection], Any], asyncio.AbstractEventLoop, asyncio.Future[Any]]


def _text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # naive UTC, as SQLAlchemy stores it


class Writer:
    """One thread, one connection; coroutines await what it runs for them."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.calls: queue.SimpleQueue[Call | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name="lean-writer", daemon=True)

    def open(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.calls.put(None)
        self.thread.join()

    async def run(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.calls.put((work, loop, future))
        return await future

    def _serve(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        while (call := self.calls.get()) is not None:
            work, loop, future = call
            try:
                result, error = work(conn), None
            except Exception as exc:
                result, error = None, exc
            loop.call_soon_threadsafe(_settle, future, result, error)
        conn.close()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def hold(
    conn: sqlite3.Connection, wanted: list[uuid.UUID], user: str, now: datetime, until: datetime
) -> list[tuple[str, str]]:
    params = {
        "ids": json.dumps([s.hex for s in wanted]),
        "user": user,
        "now": _text(now),
        "until": _text(until),
        "wanted": len(wanted),
    }
    return conn.execute(HOLD, params).fetchall()


def release(conn: sqlite3.Connection, seat: uuid.UUID, user: str, now: datetime) -> bool:
    row = conn.execute(RELEASE, {"id": seat.hex, "user": user, "now": _text(now)}).fetchone()
    return row is not None


def health(conn: sqlite3.Connection) -> None:
    conn.execute("SELECT 1").fetchone()
