"""Roles and revocation take effect within ROLE_CACHE_SECONDS (at most a minute), on the
booking routes and the auth service alike, whatever the token still claims."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from seatguard.app import create_app
from seatguard.auth import service
from seatguard.auth.passwords import Passwords
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.security import Role, decode_token, mint_token
from seatguard.settings import Settings
from tests.support.factories import event_body

FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
PASSWORD = "violet harbour lantern 42"
EMAIL = "maria.admin@example.com"
TTL = 20


@pytest.fixture
def clock() -> FrozenClock:
    # Behind the wall clock, so tokens issued after advancing it are not from the future.
    return FrozenClock(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))


@pytest.fixture
def cached(settings: Settings) -> Settings:
    return settings.model_copy(update={"role_cache_seconds": TTL})


@pytest.fixture
def client(cached: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(cached, db=db, clock=clock)
    app.state.passwords = FAST
    with TestClient(app) as client:
        yield client


def log_in(client: TestClient, email: str = EMAIL) -> dict[str, str]:
    answer = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def register(client: TestClient, db: Database, clock: FrozenClock, role: Role) -> None:
    assert client.post("/auth/register", json={"email": EMAIL, "password": PASSWORD}).status_code
    service.set_role(db, email=EMAIL, role=role, now=clock())


def create_event(client: TestClient, headers: dict[str, str], clock: FrozenClock) -> int:
    body = event_body(date=clock() + timedelta(days=30))
    return client.post("/api/v1/events", json=body, headers=headers).status_code


def test_a_demoted_admin_loses_admin_rights_within_the_cache_time(client, db, clock):
    register(client, db, clock, Role.ADMIN)
    admin = log_in(client)
    assert create_event(client, admin, clock) == 201
    service.set_role(db, email=EMAIL, role=Role.CUSTOMER, now=clock())
    clock.advance(seconds=TTL)  # the token still says admin; the database says otherwise
    assert create_event(client, admin, clock) == 403
    staff_only = client.post("/api/v1/tickets/check-in", json={"code": "x"}, headers=admin)
    assert staff_only.status_code == 403
    assert client.get("/auth/me", headers=admin).json()["role"] == "customer"
    assert client.get("/api/v1/booking-orders", headers=admin).status_code == 200  # a customer


def test_a_promotion_takes_effect_within_the_cache_time_without_a_new_token(client, db, clock):
    register(client, db, clock, Role.CUSTOMER)
    customer = log_in(client)
    assert create_event(client, customer, clock) == 403
    service.set_role(db, email=EMAIL, role=Role.STAFF, now=clock())
    clock.advance(seconds=TTL)
    staff = client.post("/api/v1/tickets/check-in", json={"code": "x"}, headers=customer)
    assert staff.status_code == 422  # allowed in; the code itself is malformed
    assert create_event(client, customer, clock) == 403


def test_revoke_ends_every_session_within_the_cache_time(client, db, clock):
    register(client, db, clock, Role.ADMIN)
    phone, laptop = log_in(client), log_in(client)
    pdf = f"/api/v1/tickets/{uuid.uuid4()}/download"  # reads the bearer token itself
    for session in (phone, laptop):
        assert client.get("/auth/me", headers=session).status_code == 200
        assert client.get(pdf, headers=session).status_code == 404
    service.revoke_sessions(db, email=EMAIL, now=clock())
    clock.advance(seconds=TTL)
    for session in (phone, laptop):
        for path in ("/auth/me", "/api/v1/booking-orders", pdf):
            answer = client.get(path, headers=session)
            assert answer.status_code == 401, path
            assert answer.json()["error"] == "session_revoked"
        assert create_event(client, session, clock) == 401
    fresh = log_in(client)  # logging in again works, at once
    me = client.get("/auth/me", headers=fresh)
    assert me.status_code == 200, me.text
    assert create_event(client, fresh, clock) == 201


def test_within_the_cache_time_one_read_serves_every_request(client, db, clock, cached):
    register(client, db, clock, Role.ADMIN)
    admin = log_in(client)
    assert create_event(client, admin, clock) == 201  # standing read and cached
    service.set_role(db, email=EMAIL, role=Role.CUSTOMER, now=clock())
    clock.advance(seconds=TTL - 1)
    assert create_event(client, admin, clock) == 201  # still the cached standing
    clock.advance(seconds=1)
    assert create_event(client, admin, clock) == 403


def test_tokens_for_subjects_the_auth_tables_do_not_know_keep_their_claims(client, cached, clock):
    token = mint_token(cached, user_id="ops-robot", role=Role.ADMIN)
    assert decode_token(token, cached).token_version == 0
    headers = {"Authorization": f"Bearer {token}"}
    assert create_event(client, headers, clock) == 201


def test_the_cache_time_is_at_most_a_minute():
    with pytest.raises(ValueError, match="less than or equal to 60"):
        Settings(_env_file=None, role_cache_seconds=61)
    assert Settings(_env_file=None).role_cache_seconds <= 60
