"""Staff invitations: an account for a door person or an organizer, and a link to set a password.

The link carries a signed token with its own audience (never accepted as an access token, and
an access token is never accepted here), an expiry, and a fingerprint of the account's password
hash as it was when the invitation was made. Setting a password changes the hash, so the link
works once; a newer invitation for the same account still works after an older one was used.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from seatguard.auth.models import User
from seatguard.auth.passwords import Passwords, check_policy
from seatguard.auth.service import find_user, normalise_email
from seatguard.common.db import Database
from seatguard.common.emails import check_email
from seatguard.common.errors import Invalid
from seatguard.common.security import Role, sign_claims, verification_key
from seatguard.settings import Settings

INVITE_LIFETIME = timedelta(days=3)
# A hash no password matches: an invited account cannot log in before it sets one.
UNSET_PREFIX = "!unset:"
TEAM_ROLES = (Role.STAFF.value, Role.ADMIN.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Invitation:
    user: User
    created: bool
    token: str
    expires_at: datetime


def _audience(settings: Settings) -> str:
    return f"{settings.jwt_audience}:invite"


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def _bad_link() -> Invalid:
    return Invalid(
        "This invitation link is not valid, was already used or has expired; ask for a new one.",
        code="invalid_invitation",
        status_code=400,
    )


def invite(
    db: Database, *, settings: Settings, email: str, role: Role, now: datetime
) -> Invitation:
    """Give ``email`` the role (creating the account when missing) and a link to set a password."""
    if role.value not in TEAM_ROLES:
        raise Invalid("Invitations are for the staff or admin role.", code="invalid_role")
    try:
        email = normalise_email(check_email(email))
    except ValueError as exc:
        raise Invalid(str(exc), code="invalid_email") from exc
    created = False
    try:
        with db.unit_of_work() as session:
            user = find_user(session, email=email)
            if user is None:
                created = True
                user = User(
                    id=str(uuid.uuid4()),
                    email=email,
                    password_hash=UNSET_PREFIX + secrets.token_urlsafe(24),
                    name="",
                    role=role.value,
                    language="",
                    created_at=now,
                    updated_at=now,
                )
                session.add(user)
            else:
                user.role = role.value
                user.updated_at = now
    except IntegrityError:  # the same email was registered at this very moment: promote it
        return invite(db, settings=settings, email=email, role=role, now=now)
    expires_at = now + INVITE_LIFETIME
    claims: dict[str, Any] = {
        "sub": user.id,
        "pwh": _fingerprint(user.password_hash),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "iss": settings.jwt_issuer,
        "aud": _audience(settings),
    }
    token = sign_claims(claims, settings)
    return Invitation(user=user, created=created, token=token, expires_at=expires_at)


def _read(token: str, settings: Settings, now: datetime) -> dict[str, Any]:
    try:
        key, algorithms = verification_key(token, settings)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=_audience(settings),
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "pwh"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise _bad_link() from exc
    if not isinstance(claims["exp"], int) or claims["exp"] <= now.timestamp():
        raise _bad_link()  # judged by the app's clock, like every other expiry
    return claims


def invited_user(db: Database, *, settings: Settings, token: str, now: datetime) -> User:
    """The account a still-valid invitation is for (the set-password page greets it)."""
    claims = _read(token, settings, now)
    with db.reader() as session:
        user = session.get(User, str(claims["sub"]))
    if user is None or _fingerprint(user.password_hash) != claims["pwh"]:
        raise _bad_link()
    return user


def accept(
    db: Database,
    *,
    settings: Settings,
    passwords: Passwords,
    token: str,
    password: str,
    now: datetime,
) -> User:
    """Set the invited account's password; the link stops working at that moment."""
    user = invited_user(db, settings=settings, token=token, now=now)
    check_policy(password, email=user.email)
    new_hash = passwords.hash(password)  # slow: outside the write transaction
    with db.unit_of_work() as session:  # only if the hash is still the one the link was for
        changed = session.execute(
            update(User)
            .where(User.id == user.id, User.password_hash == user.password_hash)
            .values(password_hash=new_hash, updated_at=now)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise _bad_link()  # another tab used the link first
    return user


def team(db: Database) -> list[User]:
    """Every account with the staff or admin role, by email."""
    with db.reader() as session:
        return list(
            session.scalars(select(User).where(User.role.in_(TEAM_ROLES)).order_by(User.email))
        )
