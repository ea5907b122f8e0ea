"""The live seat stream against real ``seatguard serve`` processes (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.live import bearer, create_event, next_change, server_env, sse_events
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

READ = httpx.Timeout(10.0)


@pytest.fixture
def served(tmp_path: Path):
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path / 'live.db'}", port, tmp_path, HOLD_MINUTES="0.03")
    env["SWEEP_INTERVAL"] = "3600"  # holds must run out on the stream's own timer
    with seatguard_process(["serve", "--no-seed"], env=env, port=port) as base:
        yield base


def test_first_event_is_the_map_and_holds_releases_and_expiry_follow(served: str) -> None:
    event = create_event(served)
    first, second = event["seats"][0]["id"], event["seats"][1]["id"]
    url = f"{served}/api/v1/events/{event['id']}/seats/stream"
    with httpx.Client(timeout=READ) as client, client.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
        snapshot = next(events)
        assert snapshot.event == "snapshot"
        assert {s["id"] for s in snapshot.data["seats"]} == {s["id"] for s in event["seats"]}
        assert {s["status"] for s in snapshot.data["seats"]} == {"AVAILABLE"}

        buyer = bearer()
        held = httpx.post(f"{served}/api/v1/seats/lock", json={"seatIds": [first]}, headers=buyer)
        assert held.status_code == 200, held.text
        change = next_change(events, first)
        assert (change["change"], change["status"]) == ("held", "LOCKED")
        assert change["heldUntil"] is not None

        released = httpx.delete(f"{served}/api/v1/seats/lock/{first}", headers=buyer)
        assert released.status_code == 200, released.text
        assert next_change(events, first)["change"] == "freed"

        # a hold left to run out (no sweep in this hour) is reported freed by the timer
        started = time.monotonic()
        httpx.post(f"{served}/api/v1/seats/lock", json={"seatIds": [second]}, headers=buyer)
        assert next_change(events, second)["change"] == "held"
        change = next_change(events, second)
        assert (change["change"], change["status"]) == ("freed", "AVAILABLE")
        assert time.monotonic() - started >= 1.0  # HOLD_MINUTES=0.03 is 1.8 s


def test_a_reconnecting_client_gets_the_current_map_first(served: str) -> None:
    event = create_event(served)
    seat = event["seats"][2]["id"]
    held = httpx.post(f"{served}/api/v1/seats/lock", json={"seatIds": [seat]}, headers=bearer())
    assert held.status_code == 200
    url = f"{served}/api/v1/events/{event['id']}/seats/stream"
    with httpx.Client(timeout=READ) as client, client.stream("GET", url) as response:
        lines = response.iter_lines()
        assert next(lines) == "retry: 3000"  # how long a dropped client waits to reconnect
        snapshot = next(sse_events(lines))
        assert snapshot.event == "snapshot"
        statuses = {s["id"]: s["status"] for s in snapshot.data["seats"]}
    assert statuses[seat] == "LOCKED"


def test_unknown_event_is_a_404_not_a_stream(served: str) -> None:
    r = httpx.get(f"{served}/api/v1/events/00000000-0000-0000-0000-000000000000/seats/stream")
    assert r.status_code == 404
    assert r.json()["error"] == "event_not_found"


@pytest.mark.postgres
def test_a_hold_on_one_replica_reaches_the_stream_of_another(
    postgres_url: str, tmp_path: Path
) -> None:
    port_a, port_b = free_port(), free_port()
    env_a = server_env(postgres_url, port_a, tmp_path)
    env_b = server_env(postgres_url, port_b, tmp_path)
    with (
        seatguard_process(["serve", "--no-seed"], env=env_a, port=port_a) as replica_a,
        seatguard_process(["serve", "--no-seed"], env=env_b, port=port_b) as replica_b,
    ):
        event = create_event(replica_a)
        seat = event["seats"][0]["id"]
        url = f"{replica_b}/api/v1/events/{event['id']}/seats/stream"
        with httpx.Client(timeout=READ) as client, client.stream("GET", url) as response:
            events = sse_events(response)
            assert next(events).event == "snapshot"
            buyer = bearer()
            held = httpx.post(
                f"{replica_a}/api/v1/seats/lock", json={"seatIds": [seat]}, headers=buyer
            )
            assert held.status_code == 200, held.text
            assert next_change(events, seat)["change"] == "held"
            freed = httpx.delete(f"{replica_a}/api/v1/seats/lock/{seat}", headers=buyer)
            assert freed.status_code == 200
            assert next_change(events, seat)["change"] == "freed"
