"""The booking migrations build exactly the schema the models describe, down and up again."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from seatguard.common.db import Base, normalise_url
from seatguard.common.migrate import downgrade, upgrade
from tests.support.postgres import scratch_database

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
