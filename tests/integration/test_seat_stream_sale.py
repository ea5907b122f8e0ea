"""The seat stream tells an open page when the event starts or stops selling, on both
databases, against a real ``seatguard serve``: the organizer closing and reopening sales (within
seconds), and a sales window closing by the clock (at its instant)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from seatguard.common.security import Role
from tests.support.live import SseEvent, bearer, create_event, server_env, sse_events
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

READ = httpx.Timeout(15.0)


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = server_env(database_url, port, tmp_path)
    with seatguard_process(["serve", "--no-seed"], env=env, port=port) as base:
        yield base


def next_sale(events: Iterator[SseEvent]) -> dict[str, Any]:
    for ev in events:
        if ev.event == "sale":
            found: dict[str, Any] = ev.data
            return found
    raise AssertionError("the stream ended")


def test_an_open_stream_hears_the_organizer_close_and_reopen_sales(served: str) -> None:
    event = create_event(served)
    url = f"{served}/api/v1/events/{event['id']}/seats/stream"
    admin = bearer(Role.ADMIN)
    with httpx.Client(timeout=READ) as client, client.stream("GET", url) as response:
        events = sse_events(response)
        assert next(events).event == "snapshot"
        assert next(events) == SseEvent(
            "sale", {"eventId": event["id"], "onSale": True, "reason": None, "note": ""}
        )

        closed_at = time.monotonic()
        r = httpx.post(f"{served}/api/v1/events/{event['id']}/close-sales", headers=admin)
        assert r.status_code == 200, r.text
        closed = next_sale(events)
        assert (closed["onSale"], closed["reason"]) == (False, "sales_closed")
        assert closed["note"] == "Sales closed."
        assert time.monotonic() - closed_at < 8  # promised: within five seconds

        r = httpx.post(f"{served}/api/v1/events/{event['id']}/reopen-sales", headers=admin)
        assert r.status_code == 200, r.text
        reopened = next_sale(events)
        assert (reopened["onSale"], reopened["reason"], reopened["note"]) == (True, None, "")


def test_the_note_speaks_the_pages_language(served: str) -> None:
    event = create_event(served)
    r = httpx.post(f"{served}/api/v1/events/{event['id']}/close-sales", headers=bearer(Role.ADMIN))
    assert r.status_code == 200, r.text
    url = f"{served}/api/v1/events/{event['id']}/seats/stream"
    with (
        httpx.Client(timeout=READ) as client,
        client.stream("GET", url, headers={"Accept-Language": "es-AR"}) as response,
    ):
        events = sse_events(response)
        assert next(events).event == "snapshot"
        sale = next_sale(events)
    assert (sale["onSale"], sale["note"]) == (False, "La venta está cerrada.")


def test_sales_that_end_by_the_clock_are_announced_at_that_instant(served: str) -> None:
    # the stream looks again every three seconds from its start: sales that end 4.5 s after
    # the event is created end between two looks, so only the timer is on time
    ends = datetime.now(UTC) + timedelta(seconds=4.5)
    body = {
        "name": "Closing Soon",
        "location": "Sala Test, Buenos Aires",
        "gender": "ROCK",
        "date": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "currency": "usd",
        "salesEndAt": ends.isoformat(),
        "sections": [{"name": "VIP", "priceMinor": 12500, "rows": [{"row": "A", "seats": 4}]}],
    }
    r = httpx.post(f"{served}/api/v1/events", json=body, headers=bearer(Role.ADMIN), timeout=10)
    assert r.status_code == 201, r.text
    url = f"{served}/api/v1/events/{r.json()['id']}/seats/stream"
    with httpx.Client(timeout=READ) as client, client.stream("GET", url) as response:
        events = sse_events(response)
        assert next(events).event == "snapshot"
        assert next_sale(events)["onSale"] is True
        closed = next_sale(events)
        heard_at = datetime.now(UTC)
    assert (closed["onSale"], closed["reason"]) == (False, "sales_closed")
    assert heard_at >= ends
    assert heard_at - ends < timedelta(seconds=1.2)
