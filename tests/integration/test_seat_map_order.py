"""A map read in chunks keeps the order of a fresh read whatever the database's collation
(SQLite, PostgreSQL with its text columns in a locale's order)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from seatguard.booking import catalogue, map_cache
from seatguard.booking.schemas import EventIn
from seatguard.booking.seat_store import SeatStore, SessionSeatStore, seat_store_for
from seatguard.booking.seatmap import RowSink, seats_json
from seatguard.common.db import Database
from tests.support.factories import event_body

# Code point order: "B" < "a" < "b" < "Ä"; a locale's: a, Ä, b, B.
NAMES = ["b", "B", "Ä", "a", "Z²", "z"]


@pytest.fixture
def locale_ordered(db: Database) -> Iterator[None]:
    """On PostgreSQL, the seats' section and row compare as ICU's root locale does."""
    if db.dialect != "postgresql":
        yield
        return
    alter = 'ALTER TABLE seats ALTER COLUMN section TYPE varchar(40) COLLATE "{0}", ' + (
        'ALTER COLUMN "row" TYPE varchar(10) COLLATE "{0}"'
    )
    with db.unit_of_work() as session:
        session.execute(text(alter.format("und-x-icu")))
    try:
        yield
    finally:
        with db.unit_of_work() as session:
            session.execute(text(alter.format("default")))


def test_a_map_read_in_chunks_is_in_a_fresh_reads_order(
    locale_ordered, db: Database, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_cache, "_WRITE_INLINE", 2)  # a stadium's path
    body = event_body(
        sections=[(section, row, 12, 1000) for section in NAMES for row in NAMES],
        date=clock() + timedelta(days=30),
    )
    with db.unit_of_work() as session:
        event_id = catalogue.create_event(session, data=EventIn.model_validate(body), now=clock())
    with db.reader() as session:
        fresh = json.loads(seats_json(catalogue.map_seats(session, event_id=event_id, now=clock())))
    assert [s["section"] for s in fresh[:: 12 * len(NAMES)]] == sorted(NAMES)
    assert [s["number"] for s in fresh[:12]][-3:] == ["B10", "B11", "B12"]

    async def served(store: SeatStore) -> list[dict[str, object]]:
        async def load(into: RowSink) -> None:
            await store.read_map(event_id=event_id, into=into)

        try:
            written = await map_cache.SeatMapCache().get(event_id, now=clock(), load=load)
        finally:
            await store.close()
        return json.loads(written.body())

    assert asyncio.run(served(seat_store_for(db, pool_size=2))) == fresh
    assert asyncio.run(served(SessionSeatStore(db))) == fresh  # the unit-of-work store's read
