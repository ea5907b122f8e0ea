"""The booking migrations build exactly the schema the models describe, down and up again."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from seatguard.common.db import Base, Database, normalise_url
from seatguard.common.migrate import alembic_config, downgrade, upgrade
from tests.support.postgres import scratch_database
from tests.support.tickets import make_paid_order

BOOKING_TABLES = {t.name for t in Base.metadata.sorted_tables}


@pytest.fixture
def fresh_url(backend: str, tmp_path, request) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    with scratch_database(base, f"schema_{os.getpid()}") as url:
        yield url


def _differences(url: str) -> list[object]:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: (
                        kind != "table" or name in BOOKING_TABLES
                    ),
                },
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _insert_order(url: str, status: str) -> None:
    engine = sa.create_engine(normalise_url(url))
    now = datetime.now(UTC).isoformat()
    event_id, order_id = uuid.uuid4().hex, uuid.uuid4().hex
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO events (id, name, artist, description, location, gender, "
                    "poster_url, starts_at, timezone, currency, status, created_at, updated_at) "
                    "VALUES (:id, 'x', '', '', 'y', 'ROCK', '', :now, 'UTC', 'usd', 'ON_SALE', "
                    ":now, :now)"
                ),
                {"id": event_id if "sqlite" in url else uuid.UUID(event_id), "now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO orders (id, user_id, event_id, status, currency, amount_total, "
                    "created_at, updated_at) "
                    "VALUES (:id, 'u', :event, :status, 'usd', 1, :now, :now)"
                ),
                {
                    "id": order_id if "sqlite" in url else uuid.UUID(order_id),
                    "event": event_id if "sqlite" in url else uuid.UUID(event_id),
                    "status": status,
                    "now": now,
                },
            )
    finally:
        engine.dispose()


def test_migrations_match_the_models_and_downgrade_cleanly(fresh_url):
    upgrade(fresh_url)
    assert _differences(fresh_url) == []
    downgrade(fresh_url, "0003")
    upgrade(fresh_url)
    assert _differences(fresh_url) == []


def test_the_database_refuses_an_unknown_order_status(fresh_url):
    upgrade(fresh_url)
    _insert_order(fresh_url, "REFUNDING")
    with pytest.raises(sa.exc.IntegrityError):
        _insert_order(fresh_url, "PAID")


def _revisions_head_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in script.walk_revisions()]


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return {
                table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in (
                    sa.table(n) for n in ("events", "seats", "orders", "order_items", "tickets")
                )
            }
    finally:
        engine.dispose()


def test_every_migration_steps_down_and_up_again_with_sold_seats_in_place(fresh_url):
    """A batch migration copies a SQLite table and drops the old one: with rows pointing at
    it (tickets at seats, items at orders) that drop must not trip the foreign keys, in either
    direction, and no row may be lost on the way."""
    upgrade(fresh_url)
    db = Database(fresh_url)
    try:
        key = Ed25519PrivateKey.generate()
        now = datetime.now(UTC).replace(microsecond=0)
        for _ in range(2):
            make_paid_order(db, now=now, private_key=key, seats=2)
    finally:
        db.dispose()
    before = _counts(fresh_url)
    assert before["tickets"] == 4
    assert before["order_items"] == 4
    revisions = _revisions_head_first()
    for newer, older in itertools.pairwise(revisions):
        downgrade(fresh_url, older)
        upgrade(fresh_url, newer)
        assert _counts(fresh_url) == before, f"{older} ↔ {newer}"
    upgrade(fresh_url)
    assert _counts(fresh_url) == before
    assert _differences(fresh_url) == []
