"""Failed logins back off per account and per address-and-account, in the database; someone
else's failures never lock a user with the right password out for long."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from seatguard.app import create_app
from seatguard.auth import throttle
from seatguard.auth.models import LoginThrottle
from seatguard.auth.passwords import Passwords
from seatguard.auth.throttle import ThrottlePolicy, TooManyAttempts
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.settings import Settings

FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
PASSWORD = "violet harbour lantern 42"
EMAIL = "ana.lopez@example.com"
ATTACKER = ("203.0.113.7", 40000)
VICTIM = ("198.51.100.20", 40001)


@pytest.fixture
def throttled(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "login_max_failures": 3,
            "login_max_failures_per_account": 10,
            "login_backoff_max": "60s",
            "login_throttle_window": "10m",
        }
    )


@pytest.fixture
def app(throttled: Settings, db: Database, clock: FrozenClock):
    app = create_app(throttled, db=db, clock=clock)
    app.state.passwords = FAST  # many logins per test; the throttle is what is under test
    return app


def client_at(app, address: tuple[str, int]) -> TestClient:
    return TestClient(app, client=address)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with client_at(app, ATTACKER) as client:
        yield client


def login(client: TestClient, email: str = EMAIL, password: str = PASSWORD):
    return client.post("/auth/login", json={"email": email, "password": password})


def fail(client: TestClient, clock: FrozenClock, times: int, email: str = EMAIL) -> None:
    """``times`` wrong passwords, each after waiting out whatever backoff is due."""
    for _ in range(times):
        answer = login(client, email=email, password="wrong password!")
        if answer.status_code == 429:
            clock.advance(seconds=int(answer.headers["Retry-After"]))
            answer = login(client, email=email, password="wrong password!")
        assert answer.status_code == 401


@pytest.fixture
def registered(client: TestClient) -> None:
    response = client.post("/auth/register", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 201


@pytest.mark.usefixtures("registered")
def test_failures_back_off_exponentially_up_to_the_cap(client: TestClient, clock: FrozenClock):
    fail(client, clock, 3)  # the free attempts
    waits = []
    for _ in range(8):
        refused = login(client, password="wrong password!")
        assert refused.status_code == 429
        assert refused.json()["error"] == "too_many_attempts"
        waits.append(int(refused.headers["Retry-After"]))
        assert refused.json()["details"] == {"retryAfter": waits[-1]}
        clock.advance(seconds=waits[-1] - 1)
        assert login(client, password="wrong password!").status_code == 429  # not yet
        clock.advance(seconds=1)
        assert login(client, password="wrong password!").status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    refused = login(client)  # the right password waits its turn too, but only that long
    assert refused.status_code == 429
    clock.advance(seconds=int(refused.headers["Retry-After"]))
    assert login(client).status_code == 200


@pytest.mark.usefixtures("registered")
def test_failures_for_other_accounts_never_delay_a_user_on_the_same_address(
    client: TestClient, clock: FrozenClock
):
    for n in range(50):  # one address guessing at many accounts
        fail(client, clock, 1, email=f"guess{n}@example.com")
    assert login(client).status_code == 200  # same address, right password, at once


@pytest.mark.usefixtures("registered")
def test_an_attack_on_an_account_delays_its_owner_by_at_most_the_cap(
    app, client: TestClient, clock: FrozenClock
):
    fail(client, clock, 9)  # below the account's free attempts: only the attacker waits
    with client_at(app, VICTIM) as victim:
        assert login(victim).status_code == 200
        fail(client, clock, 30)  # a long attack from one address
        answer = login(victim)
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) <= 60
            clock.advance(seconds=int(answer.headers["Retry-After"]))
            answer = login(victim)
        assert answer.status_code == 200


@pytest.mark.usefixtures("registered")
def test_a_successful_login_forgives_earlier_failures(client: TestClient, clock: FrozenClock):
    fail(client, clock, 2)
    assert login(client).status_code == 200
    fail(client, clock, 2)
    assert login(client).status_code == 200
    with client.app.state.db.reader() as session:  # type: ignore[attr-defined]
        assert session.scalars(select(LoginThrottle.key)).all() == []


def test_unknown_emails_are_throttled_alike(client: TestClient, clock: FrozenClock):
    fail(client, clock, 3, email="nobody@example.com")
    assert login(client, email="NOBODY@example.com").status_code == 429


@pytest.mark.usefixtures("registered")
def test_throttle_holds_across_processes_sharing_the_database(
    client: TestClient, throttled: Settings, database_url: str, clock: FrozenClock
):
    fail(client, clock, 3)
    other_db = Database(database_url)  # a second process: its own engine and app
    try:
        other_app = create_app(throttled, db=other_db, clock=clock)
        other_app.state.passwords = FAST
        with TestClient(other_app, client=ATTACKER) as other:
            assert login(other).status_code == 429
    finally:
        other_db.dispose()


def test_parallel_guesses_cannot_slip_through_one_opening(db: Database, clock: FrozenClock):
    policy = ThrottlePolicy(
        per_pair=3, per_account=3, backoff_max=timedelta(minutes=1), forget_after=timedelta(1)
    )

    def attempt(_: int) -> bool:
        try:
            with db.unit_of_work() as session:
                throttle.claim_attempt(
                    session, policy=policy, email=EMAIL, address="10.0.0.9", now=clock()
                )
        except TooManyAttempts:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(attempt, range(24)))
    assert allowed == 3  # the free attempts, however many arrive at once
    with db.reader() as session:
        counts = dict(session.execute(select(LoginThrottle.key, LoginThrottle.failures)).all())
    assert counts == {f"acct:{EMAIL}": 3, f"pair:10.0.0.9|{EMAIL}": 3}


def test_forgotten_keys_are_pruned(db: Database, clock: FrozenClock):
    policy = ThrottlePolicy(
        per_pair=3,
        per_account=5,
        backoff_max=timedelta(minutes=1),
        forget_after=timedelta(minutes=10),
    )
    with db.unit_of_work() as session:
        throttle.claim_attempt(
            session, policy=policy, email="old@example.com", address=None, now=clock()
        )
    clock.advance(minutes=61)
    with db.unit_of_work() as session:
        throttle.claim_attempt(session, policy=policy, email=EMAIL, address=None, now=clock())
    with db.reader() as session:
        keys = set(session.scalars(select(LoginThrottle.key)))
    assert keys == {f"acct:{EMAIL}"}


def test_the_wait_doubles_and_never_exceeds_the_cap():
    policy = ThrottlePolicy(
        per_pair=5, per_account=20, backoff_max=timedelta(seconds=60), forget_after=timedelta(1)
    )
    waits = [policy.wait(n, 5).total_seconds() for n in range(0, 200)]
    assert waits[:5] == [0] * 5
    assert waits[5:12] == [1, 2, 4, 8, 16, 32, 60]
    assert max(waits) == 60
    assert waits == sorted(waits)
