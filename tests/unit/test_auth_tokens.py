"""Issued tokens, the JWKS document and how ``decode_token`` verifies them (no database)."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from seatguard.auth.tokens import issue_access_token, jwks
from seatguard.common.clock import system_clock
from seatguard.common.errors import Unauthorized
from seatguard.common.security import Role, decode_token
from seatguard.settings import Settings
from tests.support.keys import ed25519_pem_pair

SECRET = "unit-test-secret-with-enough-entropy-42"
USER = "4b0f6a5e-0000-4000-8000-000000000001"


def hs_settings(**kw: object) -> Settings:
    return Settings(env="test", jwt_secret=SECRET, **kw)  # type: ignore[arg-type]


def issue(settings: Settings, role: str = "customer") -> str:
    return issue_access_token(
        settings, user_id=USER, email="ana@example.com", role=role, now=system_clock()
    ).token


def test_hs256_token_carries_the_documented_claims():
    settings = hs_settings(jwt_lifetime="2h")
    now = system_clock()
    issued = issue_access_token(
        settings, user_id=USER, email="ana@example.com", role="staff", now=now
    )
    assert issued.expires_in == 7200
    assert jwt.get_unverified_header(issued.token)["alg"] == "HS256"
    claims = jwt.decode(issued.token, SECRET, algorithms=["HS256"], audience="seatguard")
    assert claims["sub"] == claims["id"] == USER
    assert claims["email"] == "ana@example.com"
    assert claims["role"] == "staff"
    assert claims["iss"] == "seatguard-auth"
    assert claims["exp"] - claims["iat"] == 7200
    assert claims["iat"] == int(now.timestamp())


def test_booking_side_decodes_the_issued_token():
    principal = decode_token(issue(hs_settings(), role="admin"), hs_settings())
    assert principal.user_id == USER
    assert principal.role is Role.ADMIN
    assert principal.email == "ana@example.com"


def test_eddsa_token_is_verified_with_the_public_key_alone():
    private, public = ed25519_pem_pair()
    token = issue(hs_settings(auth_private_key=private))
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == jwks(hs_settings(auth_private_key=private))["keys"][0]["kid"]
    verifier = Settings(env="test", jwt_public_key=public)  # no shared secret configured
    assert decode_token(token, verifier).user_id == USER


def test_with_a_public_key_configured_the_shared_secret_is_refused():
    _, public = ed25519_pem_pair()
    hs_token = issue(hs_settings())
    with pytest.raises(Unauthorized) as err:
        decode_token(hs_token, hs_settings(jwt_public_key=public))
    assert err.value.code == "invalid_token"


def test_token_signed_by_another_ed25519_key_is_refused():
    private, _ = ed25519_pem_pair()
    _, other_public = ed25519_pem_pair()
    with pytest.raises(Unauthorized):
        decode_token(
            issue(hs_settings(auth_private_key=private)),
            Settings(env="test", jwt_public_key=other_public),
        )


def test_keys_are_read_from_escaped_pem_text_or_a_file(tmp_path: Path):
    private, public = ed25519_pem_pair()
    key_file = tmp_path / "auth.pem"
    key_file.write_text(private)
    token = issue(hs_settings(auth_private_key=str(key_file)))
    escaped = public.strip().replace("\n", "\\n")
    assert decode_token(token, Settings(env="test", jwt_public_key=escaped)).user_id == USER


def test_jwks_publishes_the_public_key_and_nothing_private():
    private, public = ed25519_pem_pair()
    document = jwks(hs_settings(auth_private_key=private))
    [key] = document["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert "d" not in key
    assert len(base64.urlsafe_b64decode(key["x"] + "=")) == 32
    assert jwks(hs_settings(jwt_public_key=public)) == document
    token = issue(hs_settings(auth_private_key=private))
    verified = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"], audience="seatguard")
    assert verified["sub"] == USER


def test_jwks_is_empty_with_the_shared_secret():
    assert jwks(hs_settings()) == {"keys": []}


def test_lifetime_comes_from_expired_token_jwt():
    settings = hs_settings(jwt_lifetime="15m")
    issued = issue_access_token(
        settings, user_id=USER, email="a@example.com", role="customer", now=system_clock()
    )
    assert timedelta(seconds=issued.expires_in) == timedelta(minutes=15)


def test_a_token_verified_once_is_still_refused_once_it_expires():
    settings = hs_settings()
    token = issue(settings)
    short = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False}), "exp": int(time.time()) + 1},
        SECRET,
        algorithm="HS256",
    )
    assert decode_token(short, settings).user_id == USER  # verified, and remembered
    time.sleep(1.2)
    with pytest.raises(Unauthorized) as refused:
        decode_token(short, settings)
    assert refused.value.code == "token_expired"


def test_a_token_verified_under_one_key_is_not_taken_under_another():
    token = issue(hs_settings())
    assert decode_token(token, hs_settings()).user_id == USER
    other = Settings(env="test", jwt_secret="another-secret-with-enough-entropy-4242")
    with pytest.raises(Unauthorized):
        decode_token(token, other)
    _private, public = ed25519_pem_pair()
    with pytest.raises(Unauthorized):
        decode_token(token, hs_settings(jwt_public_key=public))


def test_a_tampered_copy_of_a_verified_token_is_refused():
    settings = hs_settings()
    token = issue(settings)
    assert decode_token(token, settings).role is Role.CUSTOMER
    head, _body, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "role": "admin"}).encode()).rstrip(b"=")
    with pytest.raises(Unauthorized):
        decode_token(f"{head}.{forged.decode()}.{signature}", settings)
