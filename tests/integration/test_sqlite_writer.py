"""SQLite's writer thread: with group commit, waiting work shares one transaction, each piece in
its own savepoint; it queues with the database's other writers; an unclosed writer leaves no
thread behind."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from collections.abc import Callable

import pytest

from seatguard.common.db import Database
from seatguard.common.sqlite_writer import SqliteWriter


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
