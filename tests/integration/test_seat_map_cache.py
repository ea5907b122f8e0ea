"""The kept seat map is never stale: every change is seen on the next read (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import time
import uuid

import psycopg
import pytest

from seatguard.booking import catalogue, live, map_http
from seatguard.booking.holds import SeatChange
from seatguard.booking.seatmap import seats_json
from seatguard.common.security import Role
from tests.support.factories import make_event


def truth(db, event_id: uuid.UUID, now) -> list[dict]:
    with db.reader() as session:
        return json.loads(seats_json(catalogue.map_seats(session, event_id=event_id, now=now)))


def test_304_gzip_and_a_hold_release_and_expiry_seen_on_the_next_read(
    app_client, db, clock, auth_header
) -> None:
    event_id, seat_ids = make_event(db, now=clock(), seats=6)
    url = f"/api/v1/events/{event_id}/seats"
    first = app_client.get(url, headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200
    assert "content-encoding" not in first.headers
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert first.headers["vary"] == "Accept-Encoding"
    again = app_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    zipped = app_client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == first.json()  # decoded by the client
    assert zipped.headers["etag"] == etag

    held = app_client.post(
        "/api/v1/seats/lock", json={"seatIds": [str(seat_ids[0])]}, headers=auth_header("ann")
    )
    assert held.status_code == 200, held.text
    after_hold = app_client.get(url, headers={"If-None-Match": etag})
    assert after_hold.status_code == 200
    assert after_hold.json() == truth(db, event_id, clock())
    assert {s["id"]: s["status"] for s in after_hold.json()}[str(seat_ids[0])] == "LOCKED"
    assert after_hold.headers["etag"] != etag

    clock.advance(minutes=16)  # past the 15-minute hold, and no sweep ran
    expired = app_client.get(url, headers={"If-None-Match": after_hold.headers["etag"]})
    assert expired.status_code == 200
    assert {s["status"] for s in expired.json()} == {"AVAILABLE"}
    assert expired.json() == first.json()

    app_client.post(
        "/api/v1/seats/lock", json={"seatIds": [str(seat_ids[1])]}, headers=auth_header("bob")
    )
    assert app_client.get(url).json() == truth(db, event_id, clock())
    gone = app_client.delete(f"/api/v1/seats/lock/{seat_ids[1]}", headers=auth_header("bob"))
    assert gone.status_code == 200, gone.text
    assert app_client.get(url).json() == first.json()


def test_random_changes_are_all_seen_on_the_next_read(app_client, db, clock, auth_header) -> None:
    """Holds, releases, operator changes and clock jumps in a random order; after each one the
    map served (kept or not, gzip or not, revalidated or not) is the database's."""
    rng = random.Random(14)
    event_id, seat_ids = make_event(db, now=clock(), seats=10)
    url = f"/api/v1/events/{event_id}/seats"
    users, admin = ["ann", "bob", "cy"], auth_header("boss", role=Role.ADMIN)
    body, etag = None, ""
    for _ in range(60):
        action = rng.choice(["hold", "hold", "release", "status", "tick", "read"])
        seat = str(rng.choice(seat_ids))
        if action == "hold":
            app_client.post(
                "/api/v1/seats/lock",
                json={"seatIds": [seat]},
                headers=auth_header(rng.choice(users)),
            )
        elif action == "release":
            app_client.delete(f"/api/v1/seats/lock/{seat}", headers=auth_header(rng.choice(users)))
        elif action == "status":
            status = rng.choice(["AVAILABLE", "SOLD", "LOCKED"])
            app_client.patch(f"/api/v1/seats/{seat}", json={"status": status}, headers=admin)
        elif action == "tick":
            clock.advance(minutes=rng.choice([1, 7, 16]))
        headers = {"Accept-Encoding": rng.choice(["gzip", "identity"])}
        if etag and rng.random() < 0.5:
            headers["If-None-Match"] = etag
        read = app_client.get(url, headers=headers)
        expected = truth(db, event_id, clock())
        if read.status_code == 304:
            assert body == expected, f"304 for a changed map after {action}"
        else:
            assert read.status_code == 200
            body, etag = read.json(), read.headers["etag"]
            assert body == expected, f"stale map after {action}"
    feed = live.feed_for(db)
    assert feed.maps.hits > 0  # the maps were kept between changes


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_change_another_process_announces_is_never_missed(app_client, db, clock) -> None:
    """A seat changed by another process (its own connection and notification): once the
    feed has heard of it, no read serves the kept map from before."""
    event_id, seat_ids = make_event(db, now=clock(), seats=4)
    url = f"/api/v1/events/{event_id}/seats"
    before = app_client.get(url).json()
    assert app_client.get(url).json() == before  # now kept
    feed = live.feed_for(db)
    kept = feed.maps.hits
    assert app_client.get(url).status_code == 200
    assert feed.maps.hits == kept + 1
    conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def sell_elsewhere_and_hear_it() -> live.Item | None:
        sub = feed.subscribe(event_id)
        try:
            with psycopg.connect(conninfo) as conn:
                conn.execute("UPDATE seats SET status = 'SOLD' WHERE id = %s", (seat_ids[0],))
                change = SeatChange(event_id=event_id, seat_id=seat_ids[0], status="SOLD")
                for payload in live.encode([change], None):
                    conn.execute("SELECT pg_notify(%s, %s)", (live.CHANNEL, payload))
            return await sub.get(10.0)
        finally:
            feed.unsubscribe(event_id, sub)

    heard = asyncio.run(sell_elsewhere_and_hear_it())
    assert isinstance(heard, list)
    after = app_client.get(url).json()
    assert {s["id"]: s["status"] for s in after}[str(seat_ids[0])] == "SOLD"
    assert after == truth(db, event_id, clock())


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "in pieces"])
def test_gzip_bytes_are_the_json(app_client, db, clock, streamed, monkeypatch) -> None:
    """Only the gzip is kept; a reader that does not take gzip gets the same JSON unpacked
    (a big map's a piece at a time)."""
    if streamed:
        monkeypatch.setattr(map_http, "STREAM_ABOVE", 0)
    event_id, _ = make_event(db, now=clock(), seats=3)
    url = f"/api/v1/events/{event_id}/seats"
    feed = live.feed_for(db)
    assert feed.ready.wait(10)
    kept = None
    for _ in range(50):  # a change heard after a read (the event's own) makes it written again
        app_client.get(url)
        kept = feed.maps.cached(event_id, now=clock())
        if kept is not None:
            break
        time.sleep(0.1)
    assert kept is not None
    with db.reader() as session:
        fresh = seats_json(catalogue.map_seats(session, event_id=event_id, now=clock()))
    assert gzip.decompress(kept.gzipped) == fresh
    plain = app_client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert (plain.content, plain.headers["etag"]) == (fresh, kept.etag)
    assert ("content-length" not in plain.headers) is streamed
