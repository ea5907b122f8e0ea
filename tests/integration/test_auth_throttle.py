"""Failed logins are throttled per email and per address, in the database, and recover."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from seatguard.app import create_app
from seatguard.auth import throttle
from seatguard.auth.models import LoginThrottle
from seatguard.auth.throttle import ThrottlePolicy
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.settings import Settings

PASSWORD = "violet harbour lantern 42"
EMAIL = "ana.lopez@example.com"


@pytest.fixture
def throttled(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "login_max_failures": 3,
            "login_max_failures_per_address": 5,
            "login_throttle_window": "10m",
        }
    )


@pytest.fixture
def client(throttled: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    with TestClient(create_app(throttled, db=db, clock=clock)) as client:
        yield client


def login(client: TestClient, email: str = EMAIL, password: str = PASSWORD):
    return client.post("/auth/login", json={"email": email, "password": password})


def fail(client: TestClient, times: int, email: str = EMAIL) -> None:
    for _ in range(times):
        assert login(client, email=email, password="wrong password!").status_code == 401


@pytest.fixture
def registered(client: TestClient) -> None:
    response = client.post("/auth/register", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 201


@pytest.mark.usefixtures("registered")
def test_email_is_locked_after_limit_and_recovers_after_the_window(
    client: TestClient, clock: FrozenClock
):
    fail(client, 3)
    locked = login(client)  # even the right password waits
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "600"
    assert locked.json()["error"] == "too_many_attempts"
    assert locked.json()["details"] == {"retryAfter": 600}
    clock.advance(minutes=7)
    still = login(client)
    assert still.status_code == 429
    assert still.headers["Retry-After"] == "180"
    clock.advance(minutes=3)
    assert login(client).status_code == 200


def test_unknown_emails_are_throttled_alike(client: TestClient):
    fail(client, 3, email="nobody@example.com")
    assert login(client, email="NOBODY@example.com").status_code == 429


@pytest.mark.usefixtures("registered")
def test_successful_login_forgives_earlier_failures(client: TestClient):
    fail(client, 2)
    assert login(client).status_code == 200
    fail(client, 2)
    assert login(client).status_code == 200


@pytest.mark.usefixtures("registered")
def test_one_address_is_throttled_across_emails(client: TestClient, clock: FrozenClock):
    for n in range(5):
        fail(client, 1, email=f"guess{n}@example.com")
    blocked = login(client)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) == 600
    clock.advance(minutes=10, seconds=1)
    assert login(client).status_code == 200


@pytest.mark.usefixtures("registered")
def test_throttle_holds_across_processes_sharing_the_database(
    client: TestClient, throttled: Settings, database_url: str, clock: FrozenClock
):
    fail(client, 3)
    other_db = Database(database_url)  # a second process: its own engine and app
    try:
        with TestClient(create_app(throttled, db=other_db, clock=clock)) as other:
            assert login(other).status_code == 429
    finally:
        other_db.dispose()


def test_concurrent_failures_are_all_counted(db: Database, clock: FrozenClock):
    policy = ThrottlePolicy(per_email=100, per_address=100, window=timedelta(minutes=10))

    def record(_: int) -> None:
        with db.unit_of_work() as session:
            throttle.record_failure(
                session, policy=policy, email=EMAIL, address="10.0.0.9", now=clock()
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(record, range(24)))
    with db.reader() as session:
        rows = session.execute(select(LoginThrottle.key, LoginThrottle.failures)).all()
    counts = dict(rows)
    assert counts == {f"email:{EMAIL}": 24, "addr:10.0.0.9": 24}


def test_stale_windows_are_pruned(db: Database, clock: FrozenClock):
    policy = ThrottlePolicy(per_email=3, per_address=5, window=timedelta(minutes=10))
    with db.unit_of_work() as session:
        throttle.record_failure(
            session, policy=policy, email="old@example.com", address=None, now=clock()
        )
    clock.advance(minutes=11)
    with db.unit_of_work() as session:
        throttle.record_failure(session, policy=policy, email=EMAIL, address=None, now=clock())
    with db.reader() as session:
        keys = set(session.scalars(select(LoginThrottle.key)))
    assert keys == {f"email:{EMAIL}"}
