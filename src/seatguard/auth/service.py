"""Auth use cases: register, log in, read the current user, change a role."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seatguard.auth import throttle
from seatguard.auth.models import User
from seatguard.auth.passwords import Passwords, check_policy
from seatguard.auth.standing_reads import load_standings
from seatguard.auth.throttle import ThrottlePolicy
from seatguard.auth.tokens import AccessToken, issue_access_token
from seatguard.common.db import Database
from seatguard.common.emails import check_email
from seatguard.common.errors import Conflict, Invalid, NotFound, Unauthorized
from seatguard.common.i18n import N_
from seatguard.common.security import Role
from seatguard.common.standing import Standing
from seatguard.settings import Settings

BAD_CREDENTIALS = N_("The email or password is incorrect.")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def register(
    db: Database,
    *,
    passwords: Passwords,
    email: str,
    password: str,
    name: str | None,
    now: datetime,
    role: Role = Role.CUSTOMER,
    language: str = "",
) -> User:
    try:
        email = normalise_email(check_email(email))
    except ValueError as exc:
        raise Invalid(str(exc), code="invalid_email") from exc
    check_policy(password, email=email)
    password_hash = passwords.hash(password)  # slow: outside the write transaction
    user = User(
        id=str(uuid.uuid4()),
        email=email,
        password_hash=password_hash,
        name=(name or "").strip(),
        role=role.value,
        language=language,
        created_at=now,
        updated_at=now,
    )
    try:
        with db.unit_of_work() as session:
            if find_user(session, email=email) is not None:
                raise _email_taken()
            session.add(user)
    except IntegrityError as exc:  # a concurrent registration won the unique index
        raise _email_taken() from exc
    return user


def _email_taken() -> Conflict:
    return Conflict("An account with this email already exists.", code="email_taken")


def login(
    db: Database,
    *,
    settings: Settings,
    passwords: Passwords,
    policy: ThrottlePolicy,
    email: str,
    password: str,
    address: str | None,
    now: datetime,
) -> AccessToken:
    """Unknown email and wrong password get the same answer after the same work."""
    email = normalise_email(email)
    with db.unit_of_work() as session:  # counted as a failure until the password matches
        throttle.claim_attempt(session, policy=policy, email=email, address=address, now=now)
    with db.reader() as session:
        user = find_user(session, email=email)
    if user is None:
        passwords.burn(password)
    if user is None or not passwords.verify(user.password_hash, password):
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    rehashed = passwords.hash(password) if passwords.needs_rehash(user.password_hash) else None
    with db.unit_of_work() as session:
        throttle.forgive(session, policy=policy, email=email, address=address)
        if rehashed is not None:  # an imported bcrypt hash, or Argon2id parameters changed
            fresh = session.get(User, user.id)
            if fresh is not None and fresh.password_hash == user.password_hash:
                fresh.password_hash = rehashed
                fresh.updated_at = now
    return issue_access_token(
        settings,
        user_id=user.id,
        email=user.email,
        role=user.role,
        now=now,
        language=user.language,
        token_version=user.token_version,
    )


def update_profile(
    db: Database, *, user_id: str, name: str | None, language: str | None, now: datetime
) -> User:
    """Change the account's name and/or language; a None leaves that field as it is."""
    with db.unit_of_work() as session:
        user = get_user(session, user_id=user_id)
        if name is not None:
            user.name = name.strip()
        if language is not None:
            user.language = language
        user.updated_at = now
    return user


_LANGUAGE = select(User.__table__.c.language).where(User.__table__.c.id == bindparam("user_id"))


def user_language(session: Session, *, user_id: str) -> str | None:
    """The account's chosen language, or None when it chose none (or is not ours)."""
    return session.execute(_LANGUAGE, {"user_id": user_id}).scalar() or None


def get_user(session: Session, *, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise Unauthorized("The token's user no longer exists.", code="unknown_user")
    return user


def set_role(db: Database, *, email: str, role: Role, now: datetime) -> User:
    with db.unit_of_work() as session:
        user = find_user(session, email=email)
        if user is None:
            raise NotFound("No account has this email.", code="user_not_found")
        user.role = role.value
        user.updated_at = now
    return user


def revoke_sessions(db: Database, *, email: str, now: datetime) -> User:
    """End every session of the account: tokens issued before now stop being accepted."""
    with db.unit_of_work() as session:
        user = find_user(session, email=email)
        if user is None:
            raise NotFound("No account has this email.", code="user_not_found")
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(token_version=User.token_version + 1, updated_at=now)
        )
        session.refresh(user)
    return user


def load_standing(db: Database, user_id: str) -> Standing | None:
    """The user's current role and session version, or None for a subject we do not know."""
    return load_standings(db, [user_id]).get(user_id)


def create_admin(
    db: Database, *, passwords: Passwords, email: str, password: str | None, now: datetime
) -> tuple[User, bool]:
    """Promote an existing account, or register a new one as admin. Returns (user, created)."""
    with db.reader() as session:
        existing = find_user(session, email=email)
    if existing is not None:
        return set_role(db, email=email, role=Role.ADMIN, now=now), False
    if password is None:
        raise Invalid("A password is needed to create a new account.", code="password_required")
    user = register(
        db, passwords=passwords, email=email, password=password, name=None, now=now, role=Role.ADMIN
    )
    return user, True
