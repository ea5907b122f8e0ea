"""A user's standing is read without a thread on both databases (PostgreSQL's async pool, a
kept connection on the event loop for a SQLite file), and says what the ORM read says."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from seatguard.app import create_app
from seatguard.auth import service
from seatguard.auth.passwords import Passwords
from seatguard.auth.standing_reads import load_standings, load_standings_sqlite
from seatguard.common import standing as standing_module
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.security import Role
from seatguard.common.sqlite_reader import Busy, SqliteReader, database_file
from seatguard.common.standing import Standing, StandingCache
from seatguard.settings import Settings
from tests.conftest import wipe

FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
EMAIL = "lucia.standing@example.com"


def _user(db: Database, clock: FrozenClock) -> str:
    user = service.register(
        db, passwords=FAST, email=EMAIL, password="amber falcon ledger 77", name=None, now=clock()
    )
    return str(user.id)


def _fetch_all(cache: StandingCache, ids: list[str]) -> list[Standing | None]:
    async def go() -> list[Standing | None]:
        try:
            return [await cache.fetch(user_id) for user_id in ids]
        finally:
            await cache.aclose()

    return asyncio.run(go())


def _no_thread(*_args: Any, **_kw: Any) -> Any:
    raise AssertionError("the standing was read on a thread")


def test_the_standing_is_read_on_the_event_loop_and_agrees_with_the_orm(
    db: Database, settings: Settings, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = _user(db, clock)
    monkeypatch.setattr(standing_module, "run_in_threadpool", _no_thread)
    ids = [user_id, "00000000-0000-0000-0000-000000000000", "ops-robot", "bad\x00id", ""]
    for change in (None, Role.STAFF, "revoke"):
        if change == "revoke":
            service.revoke_sessions(db, email=EMAIL, now=clock())
        elif change is not None:
            service.set_role(db, email=EMAIL, role=Role.STAFF, now=clock())
        cache = create_app(settings, db=db, clock=clock).state.standings
        expected = [service.load_standing(db, user_id) for user_id in ids]
        assert expected[0] is not None
        assert expected[1:] == [None] * 4
        assert _fetch_all(cache, ids) == expected


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    """SQLite's own fallbacks (PostgreSQL's reads wait on the event loop without blocking it)."""
    database = Database(sqlite_url)
    wipe(database)
    yield database
    database.dispose()


def test_a_sqlite_read_that_would_wait_is_read_on_a_thread(
    sqlite_db: Database, clock: FrozenClock
) -> None:
    db = sqlite_db
    path = database_file(db)
    assert path is not None
    user_id = _user(db, clock)

    class Waiting(SqliteReader):
        def all(self, sql: str, params: Any) -> list[tuple[Any, ...]]:
            raise Busy("database is locked")

    ids = [user_id, "00000000-0000-0000-0000-000000000000"]
    answer = asyncio.run(load_standings_sqlite(db, Waiting(path), ids))
    assert answer == load_standings(db, ids)
    assert answer == {user_id: Standing(role=Role.CUSTOMER, token_version=0)}


def test_a_sqlite_read_leaves_no_snapshot_open(sqlite_db: Database, clock: FrozenClock) -> None:
    db = sqlite_db
    path = database_file(db)
    assert path is not None
    user_id = _user(db, clock)
    reader = SqliteReader(path)
    try:
        assert reader.one("SELECT role FROM users WHERE id = :id", {"id": user_id}) == ("customer",)
        service.set_role(db, email=EMAIL, role=Role.ADMIN, now=clock())
        other = sqlite3.connect(path, isolation_level=None)
        try:  # a reader still inside a transaction would keep the WAL from being emptied
            busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            other.close()
        assert busy == 0
        assert reader.one("SELECT role FROM users WHERE id = :id", {"id": user_id}) == ("admin",)
    finally:
        reader.close()
