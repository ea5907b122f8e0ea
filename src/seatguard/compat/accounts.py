"""The original auth service's accounts → SeatGuard's ``users``, bcrypt hashes and all.

Prisma kept them in ``"User"`` (``id``, ``email``, ``password``, ``name``, ``createdAt``); a
``users`` table with those columns is read when there is no ``"User"``. Ids are kept, so the
original's orders (whose ``user_id`` is that id) stay their owner's. The hash is copied as it
is: the next login checks it as bcrypt and replaces it with Argon2id. A password that SeatGuard's
policy would refuse was valid there, so it is imported too; the policy applies at the next change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from seatguard.auth.models import User
from seatguard.auth.passwords import is_bcrypt
from seatguard.auth.service import normalise_email
from seatguard.common.emails import is_valid_email
from seatguard.common.security import Role
from seatguard.compat.original import as_utc

if TYPE_CHECKING:
    from datetime import datetime

    from seatguard.compat.importer import TableCount

TABLES = ("User", "users")  # Prisma's default name first
COLUMNS = ("id", "email", "password", "name", "createdAt")
_FIND_TABLE = text(
    "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'"
    " AND table_name IN ('User', 'users')"
    " AND column_name IN ('id', 'email', 'password', 'name', 'createdAt')"
    " GROUP BY table_name HAVING count(*) = 5"
)


def accounts_table(conn: Connection) -> str | None:
    found = set(conn.execute(_FIND_TABLE).scalars())
    return next((table for table in TABLES if table in found), None)


def read_accounts(conn: Connection) -> list[dict[str, Any]]:
    """Every account, oldest first; none when the database has no accounts table."""
    table = accounts_table(conn)
    if table is None:
        return []
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    query = f'SELECT {columns} FROM public."{table}" ORDER BY "createdAt", id'  # noqa: S608
    return [dict(row) for row in conn.execute(text(query)).mappings()]


def _present(session: Session, column: Any, values: list[str]) -> dict[str, tuple[str, str]]:
    """``value`` → (id, email) of the users already here whose ``column`` is one of ``values``."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        query = select(User.id, User.email).where(column.in_(chunk))
        for user_id, email in session.execute(query):
            found[user_id if column is User.id else email] = (user_id, email)
    return found


def copy_accounts(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    count: TableCount,
    notes: list[str],
    now: datetime,
) -> None:
    """Add each account not already here; an email taken by another id is noted and skipped."""
    candidates: list[tuple[str, str, dict[str, Any]]] = []
    for row in rows:
        count.read += 1
        user_id = str(row.get("id") or "").strip()
        email = normalise_email(str(row.get("email") or ""))
        password_hash = str(row.get("password") or "")
        usable = is_bcrypt(password_hash) and len(password_hash) <= 255
        if not user_id or len(user_id) > 36 or not is_valid_email(email) or not usable:
            count.invalid += 1
            notes.append(f"users: account {user_id or '?'} has no usable id, email or hash")
        else:
            candidates.append((user_id, email, row))
    by_id = _present(session, User.id, [c[0] for c in candidates])
    by_email = _present(session, User.email, [c[1] for c in candidates])
    for user_id, email, row in candidates:
        if user_id in by_id:
            count.existing += 1
            continue
        if email in by_email:
            count.invalid += 1
            other = by_email[email][0]
            notes.append(f"users: {email} is account {other} here, not {user_id}; not copied")
            continue
        created = as_utc(row.get("createdAt"), now)
        session.add(
            User(
                id=user_id,
                email=email,
                password_hash=str(row["password"]),
                name=str(row.get("name") or "").strip()[:200],
                role=Role.CUSTOMER.value,
                created_at=created,
                updated_at=now,
            )
        )
        by_id[user_id] = by_email[email] = (user_id, email)
        count.imported += 1
    session.flush()
