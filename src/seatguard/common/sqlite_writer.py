"""One writer thread per SQLite database and process, with its connection kept open.

A piece of work (a function of a connection) runs on the caller's own thread (the event
loop) when the database's writer turn is free, in this process and in others, at once or
within ``LOOP_TURN_WAIT`` (``Database.try_writer_turn``, then ``BEGIN IMMEDIATE`` with no busy
wait on a connection kept for that thread): a hold is a few cached statements, cheaper than
handing it to another thread and waking the loop again. The short wait is what keeps two
worker processes on that path: each finds the other's turn taken a good part of the time,
but for a few tenths of a millisecond; handed to the writer thread instead, the work waited
for the interpreter's lock behind a busy loop, and the next writes, finding the turn taken by
that thread, followed it there (measured on two processes: 97 to 100% of their holds, each
waiting 12 to 54 ms at the median). Only when another writer keeps the turn longer does the
work go to the writer thread, which waits for it, so the loop itself never waits long for a
lock.

Otherwise coroutines hand the writer thread the piece of work; the thread takes its turn
in the database's writer queue (``Database.writer_turn``: the thread lock shared with every
unit of work of this process, and the ``flock`` file other processes queue on), opens a
``BEGIN IMMEDIATE`` transaction for the next piece of work (with ``batch`` above 1, for every
piece waiting at that moment, up to ``batch``: group commit), runs each in a ``SAVEPOINT`` of
its own so a refusal or failure undoes only that piece, commits, then answers each caller and
runs the ``committed`` callbacks of the pieces that took effect. Either way ``committed`` runs
only after the commit, and a piece of work takes effect whole or not at all.

A connection that writes on the event loop checkpoints the WAL itself, at the commit that
takes the WAL past ``LOOP_CHECKPOINT_PAGES`` (SQLite's automatic checkpoint, four times its
default interval): still holding the writer turn, so no other writer appends while it
completes, and the next write starts the WAL over. A checkpoint run from another thread while
the loop went on committing never completed, and under a steady stream of holds the WAL grew
without end (about 50 MB a second, 2,000 holds a second on one process). What such a
checkpoint does well is the copying: a checkpoint thread, woken every
``CHECKPOINT_EVERY_COMMITS`` commits on the loop, copies and syncs the WAL as it grows, and
the loop's own checkpoint is left the last few pages (about 3 ms where it took 14.5, most of it
the ``fsync`` of the WAL's 16 MB).
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
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.exc import OperationalError

from seatguard.common.db import SQLITE_BUSY_SECONDS

log = logging.getLogger("seatguard.db")

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]
Committed = Callable[[T], None]


class Turn(Protocol):
    """The writer turn taken without waiting, or waiting a bounded time (``Database`` on
    SQLite)."""

    def try_writer_turn(self, wait: float = 0.0) -> bool: ...

    def end_writer_turn(self) -> None: ...


# Pages of WAL after which a commit on the event loop checkpoints it (SQLite's default: 1,000).
LOOP_CHECKPOINT_PAGES = 4000
# Commits on the event loop between two of the checkpoint thread's passive checkpoints.
CHECKPOINT_EVERY_COMMITS = 128
# How long the event loop waits for a writer turn another writer has before it hands the work
# to the writer thread (seconds): about ten holds of another process.
LOOP_TURN_WAIT = 0.002


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


def connect(path: str, *, wait: bool = True) -> sqlite3.Connection:
    """A connection set up as the engine's are (WAL, foreign keys, the busy timeout); we
    issue BEGIN and COMMIT ourselves. ``wait=False``: no busy wait, and checkpoints every
    ``LOOP_CHECKPOINT_PAGES``, for writes on the event loop."""
    busy = SQLITE_BUSY_SECONDS if wait else 0
    conn = sqlite3.connect(path, timeout=busy, isolation_level=None, check_same_thread=wait)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={busy * 1000}")
    if not wait:
        conn.execute(f"PRAGMA wal_autocheckpoint={LOOP_CHECKPOINT_PAGES}")
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
        self,
        path: str,
        turn: Callable[[], AbstractContextManager[object]],
        *,
        batch: int = 1,
        now: Turn | None = None,
        wait: float = LOOP_TURN_WAIT,
    ) -> None:
        """``now``: how to take the turn on the caller's thread, waiting ``wait`` seconds at
        most (None: every piece of work goes to the writer thread)."""
        self._path = path
        self._turn = turn
        self._batch = max(1, batch)
        self._now = now
        self._wait = wait
        self._commits = 0
        self._checkpointer = _Checkpointer(path)
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._generation = 0  # bumped by ``close``: older connections of a thread are closed
        weakref.finalize(self, self._jobs.put, None)
        weakref.finalize(self, self._checkpointer.stop)

    async def run(self, work: Work[T], *, committed: Committed[T] | None = None) -> T:
        """Run ``work`` in a transaction of its own (at once if the turn is free, else in the
        writer thread's next one); its result once committed."""
        if self._now is not None:
            done = self._run_now(work, committed)
            if done is not None:
                return done[0]
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._started()
        self._jobs.put(_Job(work, committed, loop, future))
        return await future

    def close(self) -> None:
        """Finish the work already handed over, then stop the thread (blocks until it has)."""
        with self._start:
            thread, self._thread = self._thread, None
            opened, self._opened = self._opened, []
            self._generation += 1
        self._checkpointer.stop(join=True)
        if thread is not None:
            self._jobs.put(None)
            thread.join()
        for conn in opened:
            conn.close()

    def _run_now(self, work: Work[T], committed: Committed[T] | None) -> tuple[T] | None:
        """``(result,)`` once committed; None when another writer has the turn or the lock
        (nothing was done); a refusal or failure is raised, undone."""
        assert self._now is not None
        if not self._now.try_writer_turn(self._wait):
            return None
        try:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # a writer outside our queue has the lock
                return None
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                unavailable = _as_unavailable(exc)
                if unavailable is exc:
                    raise
                raise unavailable from exc
        finally:
            self._now.end_writer_turn()
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY_COMMITS == 0:
            self._checkpointer.wake()
        if committed is not None:
            try:
                committed(result)
            except Exception:
                log.exception("a committed write's follow-up failed")
        return (result,)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "generation", None) != self._generation:
            conn = connect(self._path, wait=False)
            with self._start:
                self._opened.append(conn)
                self._local.generation = self._generation
            self._local.conn = conn
        return conn

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


class _Checkpointer:
    """A thread that copies the WAL into the database with a passive checkpoint (it waits for
    no writer and no writer waits for it) each time it is woken, so that the checkpoint a
    commit on the event loop runs at ``LOOP_CHECKPOINT_PAGES`` finds most pages copied and
    synced already and holds the loop for a few pages, not the whole WAL. When it catches up
    with the last commit, the next write starts the WAL over without the loop's checkpoint.
    The thread starts with the first wake and stops on ``stop`` (a later wake starts another).
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._running: _Wakes | None = None

    def wake(self) -> None:
        running = self._running
        if running is None:
            with self._lock:
                if self._running is None:
                    self._running = _Wakes(self._path)
                running = self._running
        running.event.set()

    def stop(self, *, join: bool = False) -> None:
        with self._lock:
            running, self._running = self._running, None
        if running is not None:
            running.stop(join=join)


class _Wakes:
    """One checkpoint thread, with what wakes it and what stops it."""

    def __init__(self, path: str) -> None:
        self.event = threading.Event()
        self.stopping = False
        self._thread = threading.Thread(
            target=self._serve, args=(path,), name="sqlite-checkpoint", daemon=True
        )
        self._thread.start()

    def stop(self, *, join: bool) -> None:
        self.stopping = True
        self.event.set()
        if join and self._thread is not threading.current_thread():
            self._thread.join()

    def _serve(self, path: str) -> None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self.event.wait()
                self.event.clear()
                if self.stopping:
                    break
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:  # the next wake tries again; the loop's own checkpoint stays
                    log.warning("a background checkpoint failed", exc_info=True)
        finally:
            conn.close()


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
