"""Tokens from the auth service hold seats at the booking service; forged ones never do."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from seatguard.app import create_app
from seatguard.common.clock import FrozenClock, system_clock
from seatguard.common.db import Database
from seatguard.common.security import mint_token
from seatguard.settings import Settings
from tests.support.factories import make_event
from tests.support.keys import ed25519_pem_pair

PASSWORD = "violet harbour lantern 42"
EMAIL = "ana.lopez@example.com"


@pytest.fixture
def clock() -> FrozenClock:
    """Near the wall clock: the booking side checks ``iat``/``exp`` against real time."""
    return FrozenClock(system_clock().replace(microsecond=0))


def sign_up(client: TestClient) -> tuple[str, str]:
    """Register and log in; returns (user id, access token)."""
    created = client.post("/auth/register", json={"email": EMAIL, "password": PASSWORD})
    assert created.status_code == 201, created.text
    token = client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return created.json()["id"], token.json()["access_token"]


def hold(client: TestClient, seat_id: object, uid: str, token: str):
    return client.post(
        f"/api/v1/seats/lock/{seat_id}/uid/{uid}", headers={"Authorization": f"Bearer {token}"}
    )


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_login_token_holds_a_seat(app_client: TestClient, db: Database, clock: FrozenClock):
    _, seats = make_event(db, now=clock())
    user_id, token = sign_up(app_client)
    held = hold(app_client, seats[0], user_id, token)
    assert held.status_code == 200, held.text
    assert held.json()["status"] == "LOCKED"
    assert held.json()["seatId"] == str(seats[0])
    other = hold(app_client, seats[1], "someone-else", token)
    assert other.status_code == 403


def forged_tokens(settings: Settings, user_id: str, token: str) -> dict[str, str]:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    now = system_clock()
    return {
        "tampered": ".".join([header, b64({**claims, "role": "admin"}), signature]),
        "alg_none": ".".join([b64({"alg": "none", "typ": "JWT"}), b64(claims), ""]),
        "expired": mint_token(
            settings, user_id=user_id, lifetime=timedelta(minutes=5), now=now - timedelta(hours=1)
        ),
        "wrong_key": jwt.encode(claims, "some-other-secret-of-enough-length!!", algorithm="HS256"),
        "wrong_audience": mint_token(
            settings.model_copy(update={"jwt_audience": "another-app"}), user_id=user_id
        ),
        "wrong_issuer": mint_token(
            settings.model_copy(update={"jwt_issuer": "someone-else"}), user_id=user_id
        ),
        "no_exp": jwt.encode(
            {k: v for k, v in claims.items() if k != "exp"}, settings.jwt_secret, algorithm="HS256"
        ),
        "truncated": token[:-5],
    }


@pytest.mark.parametrize(
    "kind",
    [
        "tampered",
        "alg_none",
        "expired",
        "wrong_key",
        "wrong_audience",
        "wrong_issuer",
        "no_exp",
        "truncated",
    ],
)
def test_forged_tokens_are_401(
    app_client: TestClient, db: Database, clock: FrozenClock, settings: Settings, kind: str
):
    _, seats = make_event(db, now=clock())
    user_id, token = sign_up(app_client)
    response = hold(app_client, seats[0], user_id, forged_tokens(settings, user_id, token)[kind])
    assert response.status_code == 401
    assert response.json()["error"] in ("invalid_token", "token_expired")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.fixture
def eddsa(settings: Settings) -> tuple[Settings, str]:
    private, public = ed25519_pem_pair()
    return settings.model_copy(update={"auth_private_key": private}), public


@pytest.fixture
def eddsa_client(
    eddsa: tuple[Settings, str], db: Database, clock: FrozenClock
) -> Iterator[TestClient]:
    with TestClient(create_app(eddsa[0], db=db, clock=clock)) as client:
        yield client


def test_eddsa_login_token_holds_a_seat_and_keys_are_published(
    eddsa_client: TestClient, db: Database, clock: FrozenClock
):
    _, seats = make_event(db, now=clock())
    user_id, token = sign_up(eddsa_client)
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    assert hold(eddsa_client, seats[0], user_id, token).status_code == 200
    keys = eddsa_client.get("/.well-known/jwks.json").json()["keys"]
    assert [k["kid"] for k in keys] == [jwt.get_unverified_header(token)["kid"]]
    me = eddsa_client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == user_id


def test_eddsa_mode_refuses_secret_signed_and_foreign_key_tokens(
    eddsa_client: TestClient, eddsa: tuple[Settings, str], db: Database, clock: FrozenClock
):
    settings, public = eddsa
    _, seats = make_event(db, now=clock())
    user_id, token = sign_up(eddsa_client)
    claims = jwt.decode(token, options={"verify_signature": False})
    foreign, _ = ed25519_pem_pair()
    hs_with_secret = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims)}"
    mac = hmac.new(public.encode(), signing_input.encode(), hashlib.sha256).digest()
    hs_with_public_pem = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    other_key = mint_token(
        settings.model_copy(update={"auth_private_key": foreign}), user_id=user_id
    )
    for forged in (hs_with_secret, hs_with_public_pem, other_key):
        assert hold(eddsa_client, seats[0], user_id, forged).status_code == 401
    assert public not in eddsa_client.get("/.well-known/jwks.json").text
