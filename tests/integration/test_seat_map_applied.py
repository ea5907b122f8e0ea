"""A big kept seat map follows the announced changes without reading the event again, and
serves what a fresh read gives once the feed has heard them (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import random
import time

import pytest

from seatguard.booking import catalogue, live, map_cache
from seatguard.booking.seat_store import seat_store_for
from seatguard.booking.seatmap import RowSink, seats_json
from seatguard.common.security import Role
from seatguard.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support.factories import make_event


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        env="test", database_url=database_url, jwt_secret=TEST_SECRET, seat_map_rewrite_ms=0
    )


@pytest.fixture
def big(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every map takes the path of a stadium's (written off the loop, changes applied)."""
    monkeypatch.setattr(map_cache, "_WRITE_INLINE", 2)


def truth(db, event_id, now) -> list[dict]:
    with db.reader() as session:
        return json.loads(seats_json(catalogue.map_seats(session, event_id=event_id, now=now)))


def served_once_heard(client, url: str, expected: list[dict]) -> list[dict]:
    """The served map, once it matches (PostgreSQL's listener hears a change a moment after
    its commit); the last one served if it never does within 10 s."""
    deadline = time.monotonic() + 10
    while True:
        body = client.get(url, headers={"Accept-Encoding": "gzip"}).json()
        if body == expected or time.monotonic() > deadline:
            return body
        time.sleep(0.02)


def test_random_changes_are_applied_to_the_kept_map(
    big, app_client, db, clock, auth_header
) -> None:
    """Holds (several seats, some already the buyer's, so each keeps its own end), releases,
    operator changes and clock jumps: the map served is the database's, and the event was
    read once."""
    rng = random.Random(41)
    event_id, seat_ids = make_event(db, now=clock(), seats=12)
    url = f"/api/v1/events/{event_id}/seats"
    users, admin = ["ann", "bob", "cy"], auth_header("boss", role=Role.ADMIN)
    assert app_client.get(url).json() == truth(db, event_id, clock())
    feed = live.feed_for(db)
    for seats in ([seat_ids[0]], [seat_ids[0], seat_ids[1]]):  # the first keeps its end
        held = app_client.post(
            "/api/v1/seats/lock",
            json={"seatIds": [str(s) for s in seats]},
            headers=auth_header("ann"),
        )
        assert held.status_code == 200, held.text
        clock.advance(seconds=30)
    expected = truth(db, event_id, clock())
    assert len({s["heldUntil"] for s in expected if s["heldUntil"]}) == 2
    assert served_once_heard(app_client, url, expected) == expected
    for _ in range(40):
        action = rng.choice(["hold", "hold", "release", "status", "tick"])
        if action == "hold":
            picked = [str(s) for s in rng.sample(seat_ids, rng.randint(1, 3))]
            app_client.post(
                "/api/v1/seats/lock",
                json={"seatIds": picked},
                headers=auth_header(rng.choice(users)),
            )
            clock.advance(seconds=rng.choice([0, 30]))  # a later hold of one's own seat ends later
        elif action == "release":
            seat = str(rng.choice(seat_ids))
            app_client.delete(f"/api/v1/seats/lock/{seat}", headers=auth_header(rng.choice(users)))
        elif action == "status":
            status = rng.choice(["AVAILABLE", "SOLD", "LOCKED"])
            seat = str(rng.choice(seat_ids))
            app_client.patch(f"/api/v1/seats/{seat}", json={"status": status}, headers=admin)
        else:
            clock.advance(minutes=rng.choice([1, 7, 16]))
        expected = truth(db, event_id, clock())
        assert served_once_heard(app_client, url, expected) == expected, f"after {action}"
    assert feed.maps.reads >= 1
    assert feed.maps.cached(event_id, now=clock()) is not None
    reads = feed.maps.reads
    app_client.post(
        "/api/v1/seats/lock", json={"seatIds": [str(seat_ids[0])]}, headers=auth_header("dee")
    )
    expected = truth(db, event_id, clock())
    assert served_once_heard(app_client, url, expected) == expected
    assert feed.maps.reads == reads  # applied, not read again


def test_one_read_of_the_event_at_a_time_whatever_changes_meanwhile(big, db, clock) -> None:
    """Readers and announced changes arrive while the event is read: it is read once."""
    event_id, seat_ids = make_event(db, now=clock(), seats=20)
    cache = map_cache.SeatMapCache()
    in_flight = most = 0

    async def scenario() -> tuple[int, bytes]:
        nonlocal in_flight, most
        store = seat_store_for(db, pool_size=2)

        async def load(into: RowSink) -> None:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                await asyncio.sleep(0.2)  # a stadium's read takes seconds
                await store.read_map(event_id=event_id, into=into)
            finally:
                in_flight -= 1

        try:
            readers = []
            for seat_id in seat_ids[:10]:
                readers.append(asyncio.create_task(cache.get(event_id, now=clock(), load=load)))
                await asyncio.sleep(0.01)
                cache.apply(event_id, [(seat_id, "SOLD", None)])  # heard while reading
            await asyncio.gather(*readers)
            after = await cache.get(event_id, now=clock(), load=load, rewrite_after=0)
            return cache.reads, after.body()
        finally:
            await store.close()

    reads, body = asyncio.run(scenario())
    assert (reads, most) == (1, 1)
    sold = {s["id"] for s in json.loads(body) if s["status"] == "SOLD"}
    assert sold == {str(s) for s in seat_ids[:10]}  # heard during the read, applied after it
