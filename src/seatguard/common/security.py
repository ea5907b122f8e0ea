"""Bearer-token verification shared by every service that trusts the auth service.

The algorithm is pinned, ``exp`` is required and issuer/audience are checked, so
``alg: none``, tokens signed with another key and expired tokens are all refused.
The user is always the token's subject (``sub``, or ``id`` as the original's tokens carry).

Tokens are HS256 with the shared secret unless an Ed25519 key is configured: then they are
EdDSA, verified with ``JWT_PUBLIC_KEY`` (or the public half of ``AUTH_PRIVATE_KEY``), or with the
auth service's published ``JWKS_URL``; the secret is then never accepted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from seatguard.common.errors import Unauthorized, Unavailable
from seatguard.settings import Settings


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    user_id: str
    role: Role
    email: str | None = None
    token_version: int = 0  # the ``ver`` claim; ``seatguard users revoke`` raises the user's
    language: str | None = None  # the ``lang`` claim, to word replies

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)


ALGORITHMS = ["HS256"]
EDDSA = "EdDSA"


def _pem_bytes(value: str) -> bytes:
    """PEM text (``\\n`` escapes allowed, as env files often carry) or a path to a PEM file."""
    text = value.strip().replace("\\n", "\n")
    if "-----BEGIN" not in text:
        text = Path(text).expanduser().read_text("ascii")
    return text.encode("ascii")


@cache
def load_private_key(value: str) -> Ed25519PrivateKey:
    key = load_pem_private_key(_pem_bytes(value), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("AUTH_PRIVATE_KEY must be an Ed25519 private key in PEM")
    return key


@cache
def load_public_key(value: str) -> Ed25519PublicKey:
    key = load_pem_public_key(_pem_bytes(value))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("JWT_PUBLIC_KEY must be an Ed25519 public key in PEM")
    return key


@cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=5)


def verification_key(token: str, settings: Settings) -> tuple[Any, list[str]]:
    """The key and the one algorithm a token must be verified with under ``settings``."""
    if settings.jwt_public_key:
        return load_public_key(settings.jwt_public_key), [EDDSA]
    if settings.auth_private_key:
        return load_private_key(settings.auth_private_key).public_key(), [EDDSA]
    if settings.jwks_url:
        try:
            signing_key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            raise Unavailable(
                "The signing keys cannot be fetched right now.", code="keys_unavailable"
            ) from exc
        return signing_key.key, [EDDSA]
    return settings.jwt_secret, ALGORITHMS


# Tokens this process has verified: (token, what verified it) -> (principal, exp). A token is
# sent again on every request of its user; verifying its signature and claims each time was
# the largest share of a hold's CPU. A hit is still refused once ``exp`` passes, exactly when
# PyJWT would refuse it. Only tokens that passed verification get in; bounded, then cleared.
# Tokens checked against a fetched key set are not kept (its keys can be withdrawn).
_VERIFIED: dict[tuple[str, ...], tuple[Principal, float]] = {}
_VERIFIED_MAX = 50_000


def decode_token(token: str, settings: Settings) -> Principal:
    if settings.jwks_url:
        return _decode(token, settings)[0]
    key = (
        token,
        settings.jwt_secret,
        settings.jwt_public_key or "",
        settings.auth_private_key or "",
        settings.jwt_audience,
        settings.jwt_issuer,
    )
    hit = _VERIFIED.get(key)
    if hit is not None and time.time() < hit[1]:
        return hit[0]
    principal, expires = _decode(token, settings)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = (principal, expires)
    return principal


def _decode(token: str, settings: Settings) -> tuple[Principal, float]:
    try:
        key, algorithms = verification_key(token, settings)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The token has expired.", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The token is not valid.", code="invalid_token") from exc
    subject = claims.get("sub") or claims.get("id")
    if not isinstance(subject, str) or not subject:
        raise Unauthorized("The token names no user.", code="invalid_token")
    try:
        role = Role(claims.get("role", Role.CUSTOMER))
    except ValueError as exc:
        raise Unauthorized("The token carries an unknown role.", code="invalid_token") from exc
    email = claims.get("email")
    version, language = claims.get("ver", 0), claims.get("lang")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise Unauthorized("The token carries a malformed version.", code="invalid_token")
    principal = Principal(
        user_id=subject,
        role=role,
        email=email if isinstance(email, str) else None,
        token_version=version,
        language=language if isinstance(language, str) else None,
    )
    return principal, float(claims["exp"])


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``15m``, ``45s`` or a bare number of seconds."""
    text = text.strip().lower()
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    if text and text[-1] in units:
        return timedelta(seconds=float(text[:-1]) * units[text[-1]])
    return timedelta(seconds=float(text))


def mint_token(
    settings: Settings,
    *,
    user_id: str | None = None,
    role: Role = Role.CUSTOMER,
    email: str | None = None,
    lifetime: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """Sign a token the way the auth service does (for local use and tests)."""
    now = now or datetime.now(UTC)
    subject = user_id or str(uuid.uuid4())
    claims: dict[str, Any] = {
        "sub": subject,
        "id": subject,
        "role": role.value,
        "iat": int(now.timestamp()),
        "exp": int((now + (lifetime or parse_duration(settings.jwt_lifetime))).timestamp()),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    if email:
        claims["email"] = email
    return sign_claims(claims, settings)


def sign_claims(claims: dict[str, Any], settings: Settings) -> str:
    """EdDSA with ``AUTH_PRIVATE_KEY`` when configured, else HS256 with the shared secret."""
    if settings.auth_private_key:
        key = load_private_key(settings.auth_private_key)
        return jwt.encode(claims, key, algorithm=EDDSA, headers={"kid": key_id(key.public_key())})
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


def key_id(key: Ed25519PublicKey) -> str:
    """The RFC 7638 thumbprint of the key."""
    canonical = json.dumps(public_jwk(key), sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
