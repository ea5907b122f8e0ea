"""Access tokens the auth service issues, and the public keys it publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from seatguard.common.security import (
    EDDSA,
    key_id,
    load_private_key,
    load_public_key,
    parse_duration,
    public_jwk,
    sign_claims,
)
from seatguard.settings import Settings


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessToken:
    token: str
    expires_in: int  # seconds


def issue_access_token(
    settings: Settings,
    *,
    user_id: str,
    email: str,
    role: str,
    now: datetime,
    language: str = "",
    token_version: int = 0,
) -> AccessToken:
    """A signed token; it carries the account's language as ``lang`` when there is one."""
    lifetime = parse_duration(settings.jwt_lifetime)
    issued_at = int(now.timestamp())
    expires_in = int(lifetime.total_seconds())
    claims: dict[str, Any] = {
        "sub": user_id,
        "id": user_id,
        "email": email,
        "role": role,
        "ver": token_version,  # refused once `seatguard users revoke` raises the user's
        "iat": issued_at,
        "exp": issued_at + expires_in,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    if language:
        claims["lang"] = language
    return AccessToken(token=sign_claims(claims, settings), expires_in=expires_in)


def jwks(settings: Settings) -> dict[str, list[dict[str, str]]]:
    """The JSON Web Key Set: empty while tokens are signed with the shared secret."""
    if settings.auth_private_key:
        public = load_private_key(settings.auth_private_key).public_key()
    elif settings.jwt_public_key:
        public = load_public_key(settings.jwt_public_key)
    else:
        return {"keys": []}
    jwk = {**public_jwk(public), "kid": key_id(public), "alg": EDDSA, "use": "sig"}
    return {"keys": [jwk]}
