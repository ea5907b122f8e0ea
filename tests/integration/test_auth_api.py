"""The auth routes through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from seatguard.auth import service
from seatguard.auth.models import User
from seatguard.auth.passwords import Passwords
from seatguard.common.clock import FrozenClock, system_clock
from seatguard.common.db import Database
from seatguard.common.security import decode_token
from seatguard.settings import Settings

PASSWORD = "violet harbour lantern 42"


@pytest.fixture
def clock() -> FrozenClock:
    """Near the wall clock: the services verifying tokens check ``iat``/``exp`` against it."""
    return FrozenClock(system_clock().replace(microsecond=0))


def register(client: TestClient, email: str = "Ana.Lopez@Example.com", **extra: object):
    return client.post("/auth/register", json={"email": email, "password": PASSWORD, **extra})


def login(client: TestClient, email: str = "ana.lopez@example.com", password: str = PASSWORD):
    return client.post("/auth/login", json={"email": email, "password": password})


def stored_hash(db: Database, email: str = "ana.lopez@example.com") -> str:
    with db.reader() as session:
        return session.scalars(select(User.password_hash).where(User.email == email)).one()


def test_register_login_me_round_trip(app_client: TestClient, settings: Settings, db: Database):
    created = register(app_client, name="Ana López")
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) >= {"id", "email", "name", "createdAt"}
    assert body["email"] == "ana.lopez@example.com"
    assert body["name"] == "Ana López"
    assert body["role"] == "customer"

    logged_in = login(app_client, email="ANA.LOPEZ@example.com")
    assert logged_in.status_code == 200, logged_in.text
    token = logged_in.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 30 * 24 * 3600
    claims_user = decode_token(token["access_token"], settings)
    assert claims_user.user_id == body["id"]
    assert claims_user.email == "ana.lopez@example.com"

    me = app_client.get("/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200
    assert me.json() == body
    assert stored_hash(db).startswith("$argon2id$")


def test_email_taken_in_another_case_is_409(app_client: TestClient):
    assert register(app_client).status_code == 201
    again = register(app_client, email="ANA.lopez@EXAMPLE.com")
    assert again.status_code == 409
    assert again.json()["error"] == "email_taken"
    assert again.json()["message"]


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "password_too_short"),
        ("x" * 129, "password_too_long"),
        ("password123", "password_too_common"),
        ("Iloveyou1", "password_too_common"),
        ("ana.lopez", "password_is_email"),
    ],
)
def test_weak_and_common_passwords_are_422(app_client: TestClient, password: str, code: str):
    response = app_client.post(
        "/auth/register", json={"email": "ana.lopez@example.com", "password": password}
    )
    assert response.status_code == 422
    assert response.json()["error"] == code
    assert response.json()["message"]


def test_unknown_email_and_wrong_password_get_the_same_401(app_client: TestClient):
    register(app_client)
    wrong = login(app_client, password="not the password at all")
    unknown = login(app_client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "invalid_credentials"


def test_me_needs_a_valid_token_of_an_existing_user(app_client: TestClient, auth_header):
    assert app_client.get("/auth/me").status_code == 401
    garbage = app_client.get("/auth/me", headers={"Authorization": "Bearer nope"})
    assert garbage.status_code == 401
    assert garbage.json()["error"] == "invalid_token"
    ghost = app_client.get("/auth/me", headers=auth_header("no-such-user"))
    assert ghost.status_code == 401
    assert ghost.json()["error"] == "unknown_user"


def test_login_rehashes_when_parameters_changed(app_client: TestClient, db: Database, clock):
    weak = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    service.register(
        db, passwords=weak, email="ana.lopez@example.com", password=PASSWORD, name=None, now=clock()
    )
    old = stored_hash(db)
    assert "m=1024,t=1,p=1" in old
    assert login(app_client).status_code == 200
    new = stored_hash(db)
    assert new != old
    assert not Passwords().needs_rehash(new)
    assert login(app_client).status_code == 200  # the new hash verifies
    assert stored_hash(db) == new  # and is not redone


def test_health_and_jwks_answer(app_client: TestClient):
    assert app_client.get("/health").json()["status"] == "ok"
    assert app_client.get("/.well-known/jwks.json").json() == {"keys": []}


@pytest.mark.parametrize(
    ("path", "payload", "status"),
    [
        ("/auth/register", {"email": "not-an-email", "password": PASSWORD}, 422),
        ("/auth/register", {"email": "a@example.com"}, 422),
        ("/auth/register", {"email": "a@example.com", "password": 12345678}, 422),
        ("/auth/register", {"email": "a@example.com", "password": "p" * 5000}, 422),
        ("/auth/register", {"email": "a@example.com", "password": PASSWORD, "name": 7}, 422),
        ("/auth/register", [1, 2, 3], 422),
        ("/auth/register", "just a string", 422),
        ("/auth/login", {"email": "", "password": ""}, 422),
        ("/auth/login", {"email": {"$ne": None}, "password": PASSWORD}, 422),
        ("/auth/login", {}, 422),
    ],
)
def test_bad_input_is_a_json_4xx(app_client: TestClient, path: str, payload: object, status: int):
    response = app_client.post(path, json=payload)
    assert response.status_code == status
    assert response.json()["error"] == "validation_error"


def test_malformed_json_is_400(app_client: TestClient):
    response = app_client.post(
        "/auth/login", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"


def test_no_response_ever_contains_the_password_hash(
    app_client: TestClient, db: Database, auth_header
):
    bodies = [register(app_client, name="Ana").text]
    stored = stored_hash(db)
    bodies.append(register(app_client).text)  # 409
    token = login(app_client)
    bodies += [token.text, login(app_client, password="wrong password here").text]
    me = app_client.get(
        "/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    bodies += [me.text, app_client.get("/openapi.json").text]
    bodies.append(app_client.get("/.well-known/jwks.json").text)
    for text in bodies:
        assert stored not in text
        assert "$argon2" not in text
        assert "password_hash" not in text
        assert "passwordHash" not in text
    assert PASSWORD not in "".join(bodies)
