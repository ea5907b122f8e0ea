"""Helpers for tests of the live seat stream and the pages against real server processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from seatguard.common.security import Role, mint_token
from seatguard.settings import Settings

SECRET = "live-test-secret-with-enough-entropy-0123456789"


def server_env(database_url: str, port: int, workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``seatguard serve`` under test (sandbox payments, files in workdir)."""
    return {
        "DATABASE_URL": database_url,
        "JWT_SECRET": SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "TICKET_KEY_FILE": str(workdir / "ticket-key.pem"),
        "SWEEP_INTERVAL": "1",
        "LOG_FORMAT": "text",
        **extra,
    }


def bearer(role: Role = Role.CUSTOMER, user_id: str | None = None) -> dict[str, str]:
    settings = Settings(jwt_secret=SECRET)
    return {"Authorization": f"Bearer {mint_token(settings, role=role, user_id=user_id)}"}


def create_event(base: str, *, seats: int = 6, name: str = "Live Test Night") -> dict[str, Any]:
    """A fresh event (admin API) with one section of ``seats`` seats; returns its detail."""
    body = {
        "name": name,
        "location": "Sala Test, Buenos Aires",
        "gender": "ROCK",
        "date": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "currency": "usd",
        "sections": [{"name": "VIP", "priceMinor": 12500, "rows": [{"row": "A", "seats": seats}]}],
    }
    r = httpx.post(f"{base}/api/v1/events", json=body, headers=bearer(Role.ADMIN), timeout=10)
    assert r.status_code == 201, r.text
    event: dict[str, Any] = r.json()
    return event


@dataclass
class SseEvent:
    event: str
    data: Any


def sse_events(source: httpx.Response | Iterator[str]) -> Iterator[SseEvent]:
    """Parse a text/event-stream body into events (comments and ``retry:`` are skipped)."""
    lines = source.iter_lines() if isinstance(source, httpx.Response) else source
    name, data = "message", list[str]()
    for line in lines:
        if line == "":
            if data:
                yield SseEvent(name, json.loads("\n".join(data)))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


def next_change(events: Iterator[SseEvent], seat_id: str) -> dict[str, Any]:
    """The next change that concerns ``seat_id`` (other seats' changes are skipped)."""
    for ev in events:
        if ev.event != "seats":
            continue
        for change in ev.data["changes"]:
            if change["seatId"] == seat_id:
                found: dict[str, Any] = change
                return found
    raise AssertionError("the stream ended")
