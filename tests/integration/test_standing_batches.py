"""Concurrent first requests share their standing reads: the users asked for while a read is in
flight are read together in the next statement, and every caller gets its own user's standing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher

from seatguard.app import create_app
from seatguard.auth import service
from seatguard.auth.passwords import Passwords
from seatguard.auth.standing_reads import load_standings
from seatguard.auth.tokens import issue_access_token
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.security import Role
from seatguard.common.standing import Standing, StandingCache
from seatguard.settings import Settings

FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
CROWD = 40


def _crowd(db: Database, clock: FrozenClock) -> list[tuple[str, str]]:
    """``CROWD`` users as (id, email); the second is made staff, the third has logged out."""
    people = []
    for n in range(CROWD):
        email = f"fan{n}.crowd@example.com"
        user = service.register(
            db,
            passwords=FAST,
            email=email,
            password="amber falcon ledger 77",
            name=None,
            now=clock(),
        )
        people.append((str(user.id), email))
    return people


def _tokens(settings: Settings, clock: FrozenClock, people: list[tuple[str, str]]) -> list[str]:
    now = clock() - timedelta(minutes=1)  # issued as customers, before the changes below
    return [
        issue_access_token(settings, user_id=user_id, email=email, role="customer", now=now).token
        for user_id, email in people
    ]


def test_a_crowd_of_first_requests_reads_fewer_times_than_users(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    people = _crowd(db, clock)
    tokens = _tokens(settings, clock, people)
    service.set_role(db, email=people[1][1], role=Role.STAFF, now=clock())
    service.revoke_sessions(db, email=people[2][1], now=clock())
    app = create_app(settings, db=db, clock=clock)
    cache: StandingCache = app.state.standings

    async def go() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answers = await asyncio.gather(
                    *(
                        client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
                        for token in tokens
                    )
                )
            return [answer.status_code for answer in answers]
        finally:
            await cache.aclose()

    statuses = asyncio.run(go())
    assert statuses == [200, 200, 401] + [200] * (CROWD - 3)
    assert 1 <= cache.reads < CROWD
    expected = load_standings(db, [user_id for user_id, _ in people])
    assert expected[people[1][0]].role is Role.STAFF
    assert expected[people[2][0]].token_version == 1
    for user_id, _ in people:  # each caller was answered with its own user's standing
        assert cache.peek(user_id) == (True, expected[user_id])


def _fetch_at_once(
    cache: StandingCache, ids: Sequence[str]
) -> list[Standing | BaseException | None]:
    async def go() -> list[Standing | BaseException | None]:
        try:
            return await asyncio.gather(*(cache.fetch(i) for i in ids), return_exceptions=True)
        finally:
            await cache.aclose()

    return asyncio.run(go())


def test_the_same_user_asked_at_once_is_read_once_and_batches_are_bounded(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    people = _crowd(db, clock)
    service.set_role(db, email=people[1][1], role=Role.ADMIN, now=clock())
    app = create_app(settings, db=db, clock=clock)
    real: StandingCache = app.state.standings
    asked: list[list[str]] = []

    async def load_many(ids: Sequence[str]) -> dict[str, Standing]:
        asked.append(list(ids))
        return load_standings(db, ids)

    cache = StandingCache(real.load, ttl=real.ttl, clock=clock, load_many=load_many, batch_size=7)
    ids = [user_id for user_id, _ in people] * 3 + ["ops-robot", "bad\x00id"]
    answers = _fetch_at_once(cache, ids)
    assert answers == [service.load_standing(db, user_id) for user_id in ids]
    read = [user_id for batch in asked for user_id in batch]
    assert sorted(read) == sorted({*ids})  # each user once
    assert all(len(batch) <= 7 for batch in asked)
    assert cache.reads == len(asked) == -(-(CROWD + 2) // 7)


@pytest.mark.parametrize("failure", [OSError("connection lost"), asyncio.CancelledError()])
def test_a_failed_read_reaches_every_waiting_caller(
    settings: Settings, clock: FrozenClock, failure: BaseException
) -> None:
    calls = 0

    async def load_many(ids: Sequence[str]) -> dict[str, Standing]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        raise failure

    cache = StandingCache(
        lambda _: None, ttl=timedelta(seconds=5), clock=clock, load_many=load_many
    )
    answers = _fetch_at_once(cache, [f"user-{n}" for n in range(20)])
    assert calls == 1
    assert all(isinstance(answer, OSError | RuntimeError) for answer in answers), answers
    assert cache.peek("user-0") == (False, None)  # a failure is not remembered
    # the next read starts afresh
    cache_answers = _fetch_at_once(cache, ["user-1"])
    assert isinstance(cache_answers[0], OSError | RuntimeError)
    assert calls == 2
