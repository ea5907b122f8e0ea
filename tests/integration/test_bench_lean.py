"""The lean baseline is an honest hold server: the token is checked, a hold is all or nothing,
a seat has one holder however many ask at once, and a release frees only the holder's seat.

It runs as the benchmark runs it (``python -m bench.lean_app``) on a migrated database: one of
the benchmark's own PostgreSQL cluster, and a SQLite file (its writer thread).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from bench.lean import lean_args
from bench.runner import BenchSession, bench_session
from bench.server import Process, spawn
from bench.world import World, make_event
from seatguard.booking.models import Seat

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HOLD = "/api/v1/seats/lock"


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with bench_session() as session:
        if request.param == "postgresql":
            try:
                session.require_cluster()
            except (OSError, RuntimeError) as exc:
                if IN_CI:
                    pytest.fail(f"PostgreSQL is required in CI and could not start: {exc}")
                pytest.skip(f"PostgreSQL unavailable: {exc}")
        yield BenchSession.world(session, request.param)


@pytest.fixture(scope="module")
def lean(world: World) -> Iterator[Process]:
    with spawn(lean_args(1), env=world.server_env(), log_path=world.workdir / "lean.log") as srv:
        yield srv


def _seats(world: World, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str | None]]:
    db = world.database()
    try:
        with db.reader() as session:
            rows = session.execute(
                select(Seat.id, Seat.status, Seat.held_by).where(Seat.id.in_(ids))
            ).all()
    finally:
        db.dispose()
    return {r.id: (r.status, r.held_by) for r in rows}


def test_token_and_body_are_checked(world: World, lean: Process):
    seat = str(make_event(world, seats=10)[0])
    with httpx.Client(base_url=lean.base_url) as http:
        assert http.post(HOLD, json={"seatIds": [seat]}).status_code == 401
        bad = {"Authorization": "Bearer not.a.token"}
        assert http.post(HOLD, json={"seatIds": [seat]}, headers=bad).status_code == 401
        forged = world.headers("mallory")["Authorization"][:-2] + "xx"
        forged_headers = {"Authorization": forged}
        assert http.post(HOLD, json={"seatIds": [seat]}, headers=forged_headers).status_code == 401
        ok = world.headers("alice")
        assert http.post(HOLD, content=b"{", headers=ok).status_code == 422
        assert http.post(HOLD, json={"seatIds": []}, headers=ok).status_code == 422
        assert http.post(HOLD, json={"seatIds": ["nope"]}, headers=ok).status_code == 422
        assert http.post(HOLD, json={"seatIds": [7]}, headers=ok).status_code == 422
        assert http.get("/health").json() == {"status": "ok"}
    assert _seats(world, [uuid.UUID(seat)])[uuid.UUID(seat)] == ("AVAILABLE", None)


def test_a_hold_is_all_or_nothing_and_only_the_holder_releases(world: World, lean: Process):
    a, b, c = (str(s) for s in make_event(world, seats=10)[:3])
    alice, bob = world.headers("alice"), world.headers("bob")
    with httpx.Client(base_url=lean.base_url) as http:
        first = http.post(HOLD, json={"seatIds": [a, b]}, headers=alice)
        assert first.status_code == 200
        assert sorted(first.json()["seatIds"]) == sorted([a, b])
        again = http.post(HOLD, json={"seatIds": [a]}, headers=alice)
        assert again.status_code == 200
        assert again.json()["expiresAt"] == first.json()["expiresAt"]  # not stretched
        assert http.post(HOLD, json={"seatIds": [c, b]}, headers=bob).status_code == 409
        assert http.delete(f"{HOLD}/{a}", headers=bob).status_code == 409
        assert http.delete(f"{HOLD}/{a}", headers=alice).status_code == 200
    seats = _seats(world, [uuid.UUID(s) for s in (a, b, c)])
    assert seats[uuid.UUID(a)] == ("AVAILABLE", None)
    assert seats[uuid.UUID(b)] == ("LOCKED", "alice")
    assert seats[uuid.UUID(c)] == ("AVAILABLE", None)  # bob's failed hold took nothing


def test_one_holder_per_seat_however_many_ask_at_once(world: World, lean: Process):
    seats = [str(s) for s in make_event(world, seats=10)[:3]]
    users = [f"racer-{i}" for i in range(120)]

    async def race() -> list[tuple[str, str, int]]:
        limits = httpx.Limits(max_connections=120)
        async with httpx.AsyncClient(base_url=lean.base_url, limits=limits, timeout=30) as http:

            async def attempt(i: int, user: str) -> tuple[str, str, int]:
                seat = seats[i % len(seats)]
                answer = await http.post(
                    HOLD, json={"seatIds": [seat]}, headers=world.headers(user)
                )
                return seat, user, answer.status_code

            return await asyncio.gather(*(attempt(i, u) for i, u in enumerate(users)))

    answers = asyncio.run(race())
    winners = {seat: user for seat, user, status in answers if status == 200}
    assert sorted(status for _, _, status in answers) == [200] * 3 + [409] * 117
    held = _seats(world, [uuid.UUID(s) for s in seats])
    assert {str(k): v for k, v in held.items()} == {s: ("LOCKED", winners[s]) for s in seats}
