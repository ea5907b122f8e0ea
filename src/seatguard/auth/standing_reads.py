"""Reading users' standings (role, session version) from the auth tables, many at once.

The standing cache gathers the users whose first requests arrive together and reads them in
one statement: a prepared ``= ANY(…)`` on PostgreSQL's async pool, a named ``json_each``
statement on the event loop's kept connection for a SQLite file, the ORM on a thread
otherwise. Each returns the users it knows; a user it does not know is simply absent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from seatguard.auth.models import User
from seatguard.common.db import Database
from seatguard.common.pgpool import AsyncPool
from seatguard.common.security import Role
from seatguard.common.sqlite_reader import Busy, SqliteReader
from seatguard.common.standing import Standing


def is_our_id(user_id: str) -> bool:
    """Whether ``user_id`` could be a user of ours (and PostgreSQL text cannot hold NUL)."""
    return bool(user_id) and len(user_id) <= 36 and "\x00" not in user_id


def load_standings(db: Database, user_ids: Sequence[str]) -> dict[str, Standing]:
    """The standings of the users among ``user_ids`` the auth tables know (blocking)."""
    ids = [user_id for user_id in user_ids if is_our_id(user_id)]
    if not ids:
        return {}
    with db.reader() as session:
        rows = session.execute(
            select(User.id, User.role, User.token_version).where(User.id.in_(ids))
        ).all()
    return {row.id: Standing(role=Role(row.role), token_version=row.token_version) for row in rows}


_STANDINGS_PG = "SELECT id, role, token_version FROM users WHERE id = ANY(%s)"


async def load_standings_pg(pool: AsyncPool, user_ids: Sequence[str]) -> dict[str, Standing]:
    """``load_standings`` on PostgreSQL's async pool: one prepared statement, no thread."""
    ids = [user_id for user_id in user_ids if is_our_id(user_id)]
    if not ids:
        return {}
    async with pool.connection() as conn:
        cur = await conn.execute(_STANDINGS_PG, (ids,), prepare=True)
        rows = await cur.fetchall()
    return {row[0]: Standing(role=Role(row[1]), token_version=row[2]) for row in rows}


_STANDINGS_SQLITE = (
    "SELECT id, role, token_version FROM users WHERE id IN (SELECT value FROM json_each(:ids))"
)


async def load_standings_sqlite(
    db: Database, reader: SqliteReader, user_ids: Sequence[str]
) -> dict[str, Standing]:
    """``load_standings`` on SQLite: one named statement on the event loop's kept connection;
    on a thread through the ORM only when SQLite would have made the read wait."""
    ids = [user_id for user_id in user_ids if is_our_id(user_id)]
    if not ids:
        return {}
    try:
        rows = reader.all(_STANDINGS_SQLITE, {"ids": json.dumps(ids)})
    except Busy:
        return await run_in_threadpool(load_standings, db, ids)
    return {row[0]: Standing(role=Role(row[1]), token_version=row[2]) for row in rows}
