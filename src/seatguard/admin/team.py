"""The organizer's team: invite staff and admins, change roles, end sessions, all audited.

The accounts live in the auth tables (``AUTH_DATABASE_URL`` may put them in another
database); the audit entries live with the booking data. Each change commits in the auth
database first and its audit entry right after, so the log never names a change that did not
happen. The new role reaches every process within ``ROLE_CACHE_SECONDS``, as with the CLI.
"""

from __future__ import annotations

from datetime import datetime

from seatguard.admin import audit
from seatguard.auth import invites, service
from seatguard.auth.models import User
from seatguard.common.db import Database
from seatguard.common.errors import Conflict, NotFound, Unavailable
from seatguard.common.security import Role
from seatguard.notify.backends import DeliveryFailed, Mailer
from seatguard.notify.invitation import build_invitation_email
from seatguard.settings import Settings

CLI = audit.Actor(id="cli", role="cli")


def _user(auth_db: Database, user_id: str) -> User:
    with auth_db.reader() as session:
        user = session.get(User, user_id) if len(user_id) <= 36 else None
    if user is None:
        raise NotFound("No account has this id.", code="user_not_found")
    return user


def _record(
    db: Database,
    *,
    actor: audit.Actor,
    action: audit.Action,
    user: User,
    now: datetime,
    details: dict[str, object],
) -> None:
    with db.unit_of_work() as session:
        audit.record(
            session,
            actor=actor,
            action=action,
            target_type="user",
            target_id=user.id,
            now=now,
            details={"email": user.email, **details},
        )


def invite_member(
    *,
    auth_db: Database,
    db: Database,
    settings: Settings,
    mailer: Mailer,
    actor: audit.Actor,
    email: str,
    role: Role,
    language: str,
    now: datetime,
) -> invites.Invitation:
    """Create or promote the account, record it, then email the set-password link."""
    previous = None
    with auth_db.reader() as session:
        existing = service.find_user(session, email=email)
        previous = existing.role if existing is not None else None
    invitation = invites.invite(auth_db, settings=settings, email=email, role=role, now=now)
    _record(
        db,
        actor=actor,
        action=audit.Action.ROLE_CHANGED,
        user=invitation.user,
        now=now,
        details={"from": previous, "to": role.value, "invited": True},
    )
    link = f"{settings.public_base_url.rstrip('/')}/invite/{invitation.token}"
    message = build_invitation_email(
        email=invitation.user.email,
        role=role.value,
        link=link,
        expires_at=invitation.expires_at,
        sender=settings.email_from,
        sent_at=now,
        language=language,
    )
    try:
        mailer.send(message)
    except DeliveryFailed as exc:
        raise Unavailable(
            "The account has its role, but the invitation email could not be sent; invite "
            "again to send a new link.",
            code="invitation_not_sent",
        ) from exc
    return invitation


def change_role(
    *, auth_db: Database, db: Database, actor: audit.Actor, user_id: str, role: Role, now: datetime
) -> User:
    user = _user(auth_db, user_id)
    if user.id == actor.id:
        raise Conflict("You cannot change your own role.", code="own_role")
    previous = user.role
    changed = service.set_role(auth_db, email=user.email, role=role, now=now)
    _record(
        db,
        actor=actor,
        action=audit.Action.ROLE_CHANGED,
        user=changed,
        now=now,
        details={"from": previous, "to": role.value},
    )
    return changed


def revoke_sessions(
    *, auth_db: Database, db: Database, actor: audit.Actor, user_id: str, now: datetime
) -> User:
    user = _user(auth_db, user_id)
    revoked = service.revoke_sessions(auth_db, email=user.email, now=now)
    _record(
        db,
        actor=actor,
        action=audit.Action.SESSIONS_REVOKED,
        user=revoked,
        now=now,
        details={"tokenVersion": revoked.token_version},
    )
    return revoked
