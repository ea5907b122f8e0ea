"""Database engine, the UTC timestamp type and the unit of work.

SQLite (the embedded default) runs in WAL mode; a writing unit of work starts with
``BEGIN IMMEDIATE`` so concurrent writers queue on the database lock instead of failing
with "database is locked" half way through. PostgreSQL runs at READ COMMITTED; the
hold statements are single conditional UPDATEs whose row count is the answer.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: writers queue within each process only
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger("seatguard.db")

# How often a writer waiting a bounded time retries the other processes' lock (seconds).
_RETRY = 0.00003

SQLITE_BUSY_SECONDS = 30


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


def normalise_url(url: str) -> str:
    """Accept plain ``postgres://``/``postgresql://`` URLs and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        )
        _configure_sqlite(engine)
        return engine
    # No pre-ping: it costs a round trip per request. After a database restart the first use
    # of each stale connection fails as a disconnect, is answered 503 and invalidates the pool.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=10)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class _WriterQueue:
    """Orders this database's writers: a thread lock within the process, ``flock`` on a file
    beside the database across processes (uvicorn workers, the worker, the sweeper). Both
    wake the next writer the moment the lock is let go, where SQLite's busy handler polls
    with sleeps of up to 100 ms. SQLite's own locking still guards the data; this only
    queues our writers in front of it. Re-entrant, and gives up (503) after ``timeout``
    seconds waiting for the thread lock, as the busy timeout would.
    """

    def __init__(self, timeout: float, lock_path: Path | None) -> None:
        self._lock = threading.RLock()
        self._timeout = timeout
        self._depth = 0  # only changed by the thread holding ``_lock``
        self._path = lock_path if fcntl is not None else None
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=self._timeout):
            raise SATimeoutError(f"no turn to write within {self._timeout:.0f} s")
        self._depth += 1
        if self._depth == 1 and self._path is not None:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            except OSError:
                log.warning("cannot lock %s; writers fall back to SQLite's busy wait", self._path)
                self._path = None

    def enter_now(self, wait: float = 0.0) -> bool:
        """Take the turn if it is free within ``wait`` seconds (at once with 0); False when
        this thread has it already or someone keeps it longer. ``__exit__`` gives it back.
        The other process's lock is tried again every ``_RETRY`` seconds meanwhile."""
        deadline = time.monotonic() + wait
        if not (self._lock.acquire(timeout=wait) if wait > 0 else self._lock.acquire(False)):
            return False
        if self._depth > 0:  # this very thread is writing already
            self._lock.release()
            return False
        self._depth = 1
        while self._path is not None:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another process is writing
                if time.monotonic() < deadline:
                    time.sleep(_RETRY)
                    continue
                self._depth = 0
                self._lock.release()
                return False
            except OSError:
                log.warning("cannot lock %s; writers fall back to SQLite's busy wait", self._path)
                self._path = None
            break
        return True

    def __exit__(self, *_exc: object) -> None:
        try:
            if self._depth == 1 and self._path is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._depth -= 1
            self._lock.release()

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            assert self._path is not None
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


def _writer_lock_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).with_name(Path(database).name + "-writers.lock")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """One engine plus session factories for reading and for writing."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, pool_size=pool_size)
        writer = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if is_sqlite(self.engine)
            else self.engine
        )
        self._writer_engine = writer
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)
        self._writers: AbstractContextManager[object] = (
            _WriterQueue(SQLITE_BUSY_SECONDS, _writer_lock_path(self.engine))
            if is_sqlite(self.engine)
            else nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def writer_turn(self) -> AbstractContextManager[object]:
        """Hold this while writing outside a unit of work (a connection of one's own): on
        SQLite it queues the writer with every other writer of the database, in this process
        and in others; elsewhere it does nothing."""
        return self._writers

    def try_writer_turn(self, wait: float = 0.0) -> bool:
        """Take the writer turn only if it is free, in this process and in others, at once
        or within ``wait`` seconds (give it back with ``end_writer_turn``). Always False off
        SQLite."""
        writers = self._writers
        return isinstance(writers, _WriterQueue) and writers.enter_now(wait)

    def end_writer_turn(self) -> None:
        """Give back a turn ``try_writer_turn`` took."""
        self._writers.__exit__(None, None, None)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A writing transaction: committed when the block ends, rolled back on any error."""
        with self._writers, self._write() as session, session.begin():
            yield session

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A writing transaction on a bare connection, for Core statements built once: what
        ``unit_of_work`` does (the writer turn on SQLite, commit or roll back) without an ORM
        session's cost per statement."""
        with self._writers, self._writer_engine.begin() as conn:
            yield conn

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A reading session. Nothing is committed: closing it hands the connection back and
        the pool rolls the transaction back, so a connection lost after the reads (a database
        restart) cannot fail a response that is already on its way."""
        session = self._read()
        try:
            yield session
        finally:
            try:
                session.close()
            except DBAPIError:  # the connection died after the reads; the pool discards it
                log.warning("a reading session could not be closed cleanly", exc_info=True)

    def dispose(self) -> None:
        self.engine.dispose()
