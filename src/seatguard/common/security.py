"""Bearer-token verification shared by every service that trusts the auth service.

The algorithm is pinned, ``exp`` is required and issuer/audience are checked, so
``alg: none``, tokens signed with another key and expired tokens are all refused.
The user is always the token's subject (``sub``, or ``id`` as the original's tokens carry).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from seatguard.common.errors import Unauthorized
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

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)


ALGORITHMS = ["HS256"]


def decode_token(token: str, settings: Settings) -> Principal:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=ALGORITHMS,
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
    return Principal(user_id=subject, role=role, email=email if isinstance(email, str) else None)


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
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
