"""The stream's snapshot skips the seats a client already holds (real ``seatguard serve``)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.live import bearer, create_event, next_change, server_env, sse_events
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

READ = httpx.Timeout(10.0)


@pytest.fixture
def served(tmp_path: Path, database_url: str):
    port = free_port()
    with seatguard_process(
        ["serve", "--no-seed"], env=server_env(database_url, port, tmp_path), port=port
    ) as base:
        yield base


def test_a_client_holding_the_current_map_gets_no_seats_then_every_change(served: str, db) -> None:
    event = create_event(served)
    seat = event["seats"][0]["id"]
    kept = httpx.get(f"{served}/api/v1/events/{event['id']}/seats", timeout=READ)
    etag = kept.headers["etag"]
    url = f"{served}/api/v1/events/{event['id']}/seats/stream"

    with (
        httpx.Client(timeout=READ) as client,
        client.stream("GET", url, params={"have": etag}) as r,
    ):
        events = sse_events(r)
        snap = next(events)
        assert snap.event == "snapshot"
        assert (snap.data["unchanged"], snap.data["seats"], snap.data["etag"]) == (True, [], etag)
        held = httpx.post(
            f"{served}/api/v1/seats/lock", json={"seatIds": [seat]}, headers=bearer(), timeout=READ
        )
        assert held.status_code == 200, held.text
        assert next_change(events, seat)["change"] == "held"

    # the map changed since that ETag: the whole map again, with the hold in it
    with (
        httpx.Client(timeout=READ) as client,
        client.stream("GET", url, params={"have": etag}) as r,
    ):
        snap = next(sse_events(r))
        assert snap.data["unchanged"] is False
        assert snap.data["etag"] != etag
        status = {s["id"]: s["status"] for s in snap.data["seats"]}
        assert len(status) == len(event["seats"])
        assert status[seat] == "LOCKED"
