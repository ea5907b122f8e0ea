"""The auth migration tree and the ``seatguard users`` commands, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from seatguard.auth import migrate as auth_migrate
from seatguard.auth.models import User
from seatguard.common import migrate as booking_migrate
from seatguard.common.db import Database, make_engine
from tests.support.postgres import scratch_database

PASSWORD = "violet harbour lantern 42"


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the backend, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    session_url: str = request.getfixturevalue("postgres_url")
    with scratch_database(session_url, f"seatguard_auth_fresh_{os.getpid()}") as url:
        yield url


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_auth_tree_is_independent_of_booking(fresh_url: str):
    auth_migrate.upgrade(fresh_url)
    assert {"users", "login_throttle", "alembic_version_auth"} <= tables(fresh_url)
    assert "events" not in tables(fresh_url)
    booking_migrate.upgrade(fresh_url)
    auth_migrate.upgrade(fresh_url)  # idempotent beside booking's tree
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version_auth")).scalar() == (
            "a0003"
        )
    engine.dispose()
    auth_migrate.downgrade(fresh_url, "base")
    after = tables(fresh_url)
    assert "users" not in after
    assert "events" in after


def test_auth_models_match_the_migrations(fresh_url: str):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from seatguard.auth.models import AuthBase

    auth_migrate.upgrade(fresh_url)
    engine = make_engine(fresh_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": "alembic_version_auth"}
            )
            assert compare_metadata(context, AuthBase.metadata) == []
    finally:
        engine.dispose()


def seatguard(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SEATGUARD_ENV": "test", "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "seatguard", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def roles(url: str) -> dict[str, str]:
    db = Database(url)
    try:
        with db.reader() as session:
            rows = session.execute(select(User.email, User.role)).all()
        return dict(rows)
    finally:
        db.dispose()


def test_users_commands_create_promote_and_set_roles(fresh_url: str):
    made = seatguard(fresh_url, "users", "create-admin", "Boss@Example.com", "--password", PASSWORD)
    assert made.returncode == 0, made.stderr
    assert "created admin boss@example.com" in made.stdout
    assert roles(fresh_url) == {"boss@example.com": "admin"}

    weak = seatguard(fresh_url, "users", "create-admin", "x@example.com", "--password", "password")
    assert weak.returncode == 1
    assert "too common" in weak.stdout

    prompted = seatguard(
        fresh_url, "users", "create-admin", "staffer@example.com", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.returncode == 0, prompted.stdout + prompted.stderr
    demoted = seatguard(fresh_url, "users", "set-role", "STAFFER@example.com", "staff")
    assert demoted.returncode == 0, demoted.stderr
    assert roles(fresh_url) == {"boss@example.com": "admin", "staffer@example.com": "staff"}

    promoted = seatguard(fresh_url, "users", "create-admin", "staffer@example.com")
    assert "promoted admin" in promoted.stdout
    missing = seatguard(fresh_url, "users", "set-role", "ghost@example.com", "admin")
    assert missing.returncode == 1
    bad_role = seatguard(fresh_url, "users", "set-role", "boss@example.com", "root")
    assert bad_role.returncode == 2
    bad_email = seatguard(
        fresh_url, "users", "create-admin", "boss@example.com\r\nBcc: x@y.z", "--password", PASSWORD
    )
    assert bad_email.returncode == 1
    assert "control characters" in bad_email.stdout


def test_users_revoke_raises_the_session_version(fresh_url: str):
    from seatguard.auth.service import load_standing

    made = seatguard(fresh_url, "users", "create-admin", "boss@example.com", "--password", PASSWORD)
    assert made.returncode == 0, made.stderr
    db = Database(fresh_url)
    try:
        with db.reader() as session:
            user_id = session.scalars(select(User.id)).one()
        before = load_standing(db, user_id)
        revoked = seatguard(fresh_url, "users", "revoke", "BOSS@example.com")
        assert revoked.returncode == 0, revoked.stdout + revoked.stderr
        assert "ended every session of boss@example.com" in revoked.stdout
        after = load_standing(db, user_id)
    finally:
        db.dispose()
    assert before is not None
    assert after is not None
    assert after.token_version == before.token_version + 1
    missing = seatguard(fresh_url, "users", "revoke", "ghost@example.com")
    assert missing.returncode == 1
