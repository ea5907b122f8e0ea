"""One writer thread per SQLite database and process, with its connection kept open.

Coroutines hand it a piece of work (a function of the connection); the thread takes its turn
in the database's writer queue (``Database.writer_turn``: the thread lock shared with every
unit of work of this process, and the ``flock`` file other processes queue on), opens a
``BEGIN IMMEDIATE`` transaction for the next piece of work (with ``batch`` above 1, for every
piece waiting at that moment, up to ``batch``: group commit), runs each in a ``SAVEPOINT`` of
its own so a refusal or failure undoes only that piece, commits, then answers each caller and
runs the ``committed`` callbacks of the pieces that took effect.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import OperationalError

from seatguard.common.db import SQLITE_BUSY_SECONDS

log = logging.getLogger("seatguard.db")

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]
Committed = Callable[[T], None]


class _Job(Generic[T]):
    __slots__ = ("committed", "error", "future", "loop", "result", "work")

    def __init__(
        self,
        work: Work[T],
        committed: Committed[T] | None,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[T],
    ) -> None:
        self.work = work
        self.committed = committed
        self.loop = loop
        self.future = future
        self.result: Any = None
        self.error: BaseException | None = None


def connect(path: str) -> sqlite3.Connection:
    """A connection set up as the engine's are (WAL, foreign keys, the busy timeout); we
    issue BEGIN and COMMIT ourselves."""
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    return conn


def _as_unavailable(exc: BaseException) -> BaseException:
    """SQLite's "locked"/"disk I/O" errors as the engine raises them (the HTTP layer's 503)."""
    if isinstance(exc, sqlite3.OperationalError):
        return OperationalError("sqlite writer", None, exc)
    return exc


class SqliteWriter:
    """The thread starts with the first piece of work and stops on ``close`` (or once the
    writer is garbage, so a store nobody closed leaves no thread behind)."""

    def __init__(
        self, path: str, turn: Callable[[], AbstractContextManager[object]], *, batch: int = 1
    ) -> None:
        self._path = path
        self._turn = turn
        self._batch = max(1, batch)
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        weakref.finalize(self, self._jobs.put, None)

    async def run(self, work: Work[T], *, committed: Committed[T] | None = None) -> T:
        """Run ``work`` in the writer's next transaction; its result once committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._started()
        self._jobs.put(_Job(work, committed, loop, future))
        return await future

    def close(self) -> None:
        """Finish the work already handed over, then stop the thread (blocks until it has)."""
        with self._start:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            thread.join()

    def _started(self) -> None:
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    serving = _Serving(self._jobs, self._path, self._turn, self._batch)
                    self._thread = threading.Thread(
                        target=serving.serve, name="sqlite-writer", daemon=True
                    )
                    self._thread.start()


class _Serving:
    """The writer thread's side (it holds no reference to the ``SqliteWriter``)."""

    def __init__(
        self,
        jobs: queue.SimpleQueue[_Job[Any] | None],
        path: str,
        turn: Callable[[], AbstractContextManager[object]],
        batch: int,
    ) -> None:
        self._jobs = jobs
        self._path = path
        self._turn = turn
        self._batch = batch

    def serve(self) -> None:
        conn = connect(self._path)
        try:
            stop = False
            while not stop:
                job = self._jobs.get()
                if job is None:
                    break
                batch = [job]
                while len(batch) < self._batch:
                    try:
                        more = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stop = True
                        break
                    batch.append(more)
                self._write(conn, batch)
                _answer(batch)
        finally:
            conn.close()

    def _write(self, conn: sqlite3.Connection, batch: list[_Job[Any]]) -> None:
        try:
            with self._turn():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for job in batch:
                        conn.execute("SAVEPOINT work")
                        try:
                            job.result = job.work(conn)
                        except Exception as exc:
                            conn.execute("ROLLBACK TO work")
                            job.error = exc
                        conn.execute("RELEASE work")
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except Exception as exc:  # nothing of the batch was committed
            for job in batch:
                if job.error is None:
                    job.error = exc
            return
        for job in batch:
            if job.error is None and job.committed is not None:
                try:
                    job.committed(job.result)
                except Exception:
                    log.exception("a committed write's follow-up failed")


def _answer(batch: list[_Job[Any]]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job[Any]]] = {}
    for job in batch:
        by_loop.setdefault(job.loop, []).append(job)
    for loop, jobs in by_loop.items():
        with suppress(RuntimeError):  # the caller's loop is closed: nobody waits for it
            loop.call_soon_threadsafe(_settle, jobs)


def _settle(jobs: list[_Job[Any]]) -> None:
    for job in jobs:
        if job.future.done():  # the caller gave up waiting (the write stands)
            continue
        if job.error is not None:
            job.future.set_exception(_as_unavailable(job.error))
        else:
            job.future.set_result(job.result)
