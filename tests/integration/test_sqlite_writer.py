"""SQLite's writer thread: with group commit, waiting work shares one transaction, each piece in
its own savepoint; it queues with the database's other writers; an unclosed writer leaves no
thread behind. With the turn free, work runs at once on the caller's thread; with another
writer in the way (another process, a unit of work, a writer outside our queue) it waits on
the writer thread and the event loop goes on, unless it lets go within the writer's short wait.
A checkpoint thread copies the WAL as the loop's writes fill it, and stops with the writer."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from seatguard.common.db import Database
from seatguard.common.sqlite_writer import (
    CHECKPOINT_EVERY_COMMITS,
    LOOP_CHECKPOINT_PAGES,
    SqliteWriter,
)


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Database:
    return Database(sqlite_url)


def _writer(db: Database, *, batch: int = 1) -> SqliteWriter:
    path = db.engine.url.database
    assert path
    return SqliteWriter(path, db.writer_turn, batch=batch)


def test_waiting_work_commits_together_and_a_failure_undoes_only_its_own(
    sqlite_db: Database,
) -> None:
    writer = _writer(sqlite_db, batch=64)
    statements: list[str] = []

    def trace(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS marks (n INTEGER)")
        conn.set_trace_callback(statements.append)

    def mark(n: int) -> Callable[[sqlite3.Connection], int]:
        def work(conn: sqlite3.Connection) -> int:
            conn.execute("INSERT INTO marks VALUES (?)", (n,))
            if n == 2:
                raise ValueError("refused")
            return n

        return work

    def marks(conn: sqlite3.Connection) -> list[int]:
        return [n for (n,) in conn.execute("SELECT n FROM marks ORDER BY n")]

    async def run() -> list[object]:
        await writer.run(trace)
        turn = sqlite_db.writer_turn()
        turn.__enter__()  # every other writer waits: the work below queues up
        try:
            waiting = [asyncio.ensure_future(writer.run(mark(n))) for n in range(5)]
            await asyncio.sleep(0.3)
        finally:
            turn.__exit__(None, None, None)
        answers = await asyncio.gather(*waiting, return_exceptions=True)
        return [*answers, await writer.run(marks)]

    try:
        *answers, kept = asyncio.run(run())
    finally:
        writer.close()
    assert answers[:2] == [0, 1]
    assert isinstance(answers[2], ValueError)
    assert answers[3:] == [3, 4]
    assert kept == [0, 1, 3, 4]
    begun = statements.index("BEGIN IMMEDIATE")
    first = statements[begun : statements.index("COMMIT", begun) + 1]
    assert first.count("SAVEPOINT work") == 5, first  # one transaction for the five
    assert "ROLLBACK TO work" in first


def test_an_unclosed_writer_stops_its_thread(sqlite_db: Database) -> None:
    writer = _writer(sqlite_db)

    def one(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT 1").fetchone()[0])

    assert asyncio.run(writer.run(one)) == 1
    thread = writer._thread
    assert thread is not None
    assert thread.is_alive()
    del writer
    gc.collect()
    deadline = time.monotonic() + 10
    while thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not thread.is_alive()


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Database]:
    """A database file of its own with one table, ``marks``."""
    db = Database(f"sqlite:///{tmp_path / 'writer.db'}")
    with sqlite3.connect(tmp_path / "writer.db") as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE marks (n INTEGER, thread INTEGER)")
    yield db
    db.dispose()


def _mark(n: int, *, refuse: bool = False) -> Callable[[sqlite3.Connection], int]:
    def work(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO marks VALUES (?, ?)", (n, threading.get_ident()))
        if refuse:
            raise ValueError("refused")
        return threading.get_ident()

    return work


def _marks(db: Database) -> list[int]:
    path = db.engine.url.database
    assert path
    with closing(sqlite3.connect(path)) as conn:
        return [n for (n,) in conn.execute("SELECT n FROM marks ORDER BY n")]


def test_with_the_turn_free_the_work_runs_at_once_on_the_callers_thread(
    scratch: Database,
) -> None:
    path = scratch.engine.url.database
    assert path
    writer = SqliteWriter(path, scratch.writer_turn, now=scratch)
    told: list[int] = []

    async def run() -> list[object]:
        first = await writer.run(_mark(1), committed=lambda _: told.append(len(_marks(scratch))))
        refused = await asyncio.gather(writer.run(_mark(2, refuse=True)), return_exceptions=True)
        return [first, *refused]

    try:
        first, refused = asyncio.run(run())
        assert writer._thread is None  # no hand-over to the writer thread was needed
    finally:
        writer.close()
    assert first == threading.get_ident()
    assert isinstance(refused, ValueError)
    assert told == [1]  # told after the commit, which it can see
    assert _marks(scratch) == [1]  # the refused work left nothing behind


def _hold_the_lock_in_another_process(path: str, seconds: float) -> subprocess.Popen[str]:
    script = (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, path + "-writers.lock", str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    child.stdout.close()
    return child


def _sqlite_writer_outside_the_queue(path: str, seconds: float) -> threading.Thread:
    ready = threading.Event()

    def hold() -> None:
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            ready.set()
            time.sleep(seconds)
            conn.execute("COMMIT")

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    return thread


def _unit_of_work_in_another_thread(db: Database, seconds: float) -> threading.Thread:
    ready = threading.Event()

    def hold() -> None:
        with db.unit_of_work():
            ready.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    return thread


@pytest.mark.parametrize("other", ["process", "thread", "outside"])
def test_while_another_writer_has_the_turn_the_work_waits_on_the_writer_thread(
    scratch: Database, other: str
) -> None:
    """Another process (uvicorn's other worker), a unit of work of this process, or a writer
    that does not queue with ours: the event loop never waits, the work waits its turn."""
    path = scratch.engine.url.database
    assert path
    writer = SqliteWriter(path, scratch.writer_turn, now=scratch)
    seconds = 0.6

    async def run() -> tuple[int, float, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        started = time.monotonic()
        thread = await writer.run(_mark(1))
        waited = time.monotonic() - started
        ticker.cancel()
        return thread, waited, ticks

    if other == "process":
        blocker: Any = _hold_the_lock_in_another_process(path, seconds)
    elif other == "thread":
        blocker = _unit_of_work_in_another_thread(scratch, seconds)
    else:
        blocker = _sqlite_writer_outside_the_queue(path, seconds)
    try:
        thread, waited, ticks = asyncio.run(run())
    finally:
        blocker.wait() if other == "process" else blocker.join()
        writer.close()
    assert thread != threading.get_ident()  # the writer thread did it
    assert waited >= seconds / 3  # after the other writer let go
    assert ticks >= 10  # the loop went on meanwhile
    assert _marks(scratch) == [1]


@pytest.mark.parametrize("other", ["process", "thread"])
def test_a_turn_let_go_within_the_wait_is_taken_on_the_callers_thread(
    scratch: Database, other: str
) -> None:
    """Another worker process or a unit of work of this process keeps the turn for less than
    the writer's wait: the work waits for it on the caller's thread, not the writer thread."""
    path = scratch.engine.url.database
    assert path
    seconds = 0.3
    writer = SqliteWriter(path, scratch.writer_turn, now=scratch, wait=30.0)
    if other == "process":
        blocker: Any = _hold_the_lock_in_another_process(path, seconds)
    else:
        blocker = _unit_of_work_in_another_thread(scratch, seconds)
    started = time.monotonic()
    try:
        thread = asyncio.run(writer.run(_mark(1)))
        waited = time.monotonic() - started
        assert writer._thread is None  # nothing was handed over
    finally:
        blocker.wait() if other == "process" else blocker.join()
        writer.close()
    assert thread == threading.get_ident()
    assert waited >= seconds / 3  # it did wait for the other writer
    assert _marks(scratch) == [1]


def test_writes_on_the_callers_thread_keep_the_wal_bounded(scratch: Database) -> None:
    """A steady stream of writes on the event loop checkpoints as it goes: the WAL never grows
    past the checkpoint interval, however many pages the writes dirty in all."""
    path = scratch.engine.url.database
    assert path
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB)")
        conn.executemany("INSERT INTO pages VALUES (?, ?)", [(i, b"x" * 3000) for i in range(64)])
        conn.commit()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    writer = SqliteWriter(path, scratch.writer_turn, now=scratch)
    wal = Path(path + "-wal")
    sizes: list[int] = []

    def touch(n: int) -> Callable[[sqlite3.Connection], None]:
        def work(conn: sqlite3.Connection) -> None:
            for i in range(8):  # eight rows, each on a page of its own
                conn.execute(
                    "UPDATE pages SET body = ? WHERE id = ?",
                    (bytes([n % 256]) * 3000, (n * 8 + i) % 64),
                )

        return work

    async def run() -> None:
        for n in range(3 * LOOP_CHECKPOINT_PAGES // 8):
            await writer.run(touch(n))
            sizes.append(wal.stat().st_size if wal.exists() else 0)

    try:
        asyncio.run(run())
        assert writer._thread is None  # every write ran on the caller's thread
    finally:
        writer.close()
    frame = page_size + 24
    assert len(sizes) * 8 > 2 * LOOP_CHECKPOINT_PAGES  # unchecked, the WAL would pass the limit
    assert max(sizes) <= (LOOP_CHECKPOINT_PAGES + 64) * frame + 32


def _pages(first: int, count: int, size: int) -> Callable[[sqlite3.Connection], None]:
    """Work inserting ``count`` rows of about a page each."""

    def work(conn: sqlite3.Connection) -> None:
        rows = [(first + i, b"x" * (size - 200)) for i in range(count)]
        conn.executemany("INSERT INTO pages VALUES (?, ?)", rows)

    return work


def test_the_checkpoint_thread_copies_the_wal_before_the_loops_checkpoint_is_due(
    scratch: Database,
) -> None:
    """Rows written on the event loop reach the database file while the WAL is still far
    below the loop's checkpoint interval: the checkpoint thread copied them meanwhile. The
    thread stops with the writer, closed or garbage."""
    path = scratch.engine.url.database
    assert path
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB)")
        conn.commit()
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database = Path(path)
    before = database.stat().st_size
    rows = 4
    assert 4 * CHECKPOINT_EVERY_COMMITS * rows < LOOP_CHECKPOINT_PAGES  # never due below
    written = 0

    async def write(writer: SqliteWriter) -> None:
        nonlocal written
        for _ in range(2 * CHECKPOINT_EVERY_COMMITS):
            await writer.run(_pages(written, rows, size))
            written += rows

    writer = SqliteWriter(path, scratch.writer_turn, now=scratch)
    asyncio.run(write(writer))
    copied = CHECKPOINT_EVERY_COMMITS * rows * size  # the first wake's rows at least
    deadline = time.monotonic() + 10
    while database.stat().st_size - before < copied and time.monotonic() < deadline:
        time.sleep(0.02)
    assert database.stat().st_size - before >= copied
    running = writer._checkpointer._running
    assert running is not None
    thread = running._thread
    writer.close()
    assert not thread.is_alive()

    writer = SqliteWriter(path, scratch.writer_turn, now=scratch)  # this one is never closed
    asyncio.run(write(writer))
    running = writer._checkpointer._running
    assert running is not None
    thread = running._thread
    del writer, running
    gc.collect()
    deadline = time.monotonic() + 10
    while thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not thread.is_alive()
