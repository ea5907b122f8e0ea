"""Migration 0010 gives every existing ticket its own short code, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError

from seatguard.booking.models import Ticket
from seatguard.common import migrate
from seatguard.common.db import Database
from seatguard.tickets.short_codes import normalise_short_code
from tests.support.postgres import scratch_database
from tests.support.tickets import make_paid_order


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    session_url: str = request.getfixturevalue("postgres_url")
    with scratch_database(session_url, f"seatguard_short_codes_{os.getpid()}") as url:
        yield url


# The revision 0010 follows (read from the migration itself, so the test follows the chain).
BEFORE_SHORT_CODES = str(
    importlib.import_module("seatguard.migrations.versions.0010_ticket_short_codes").down_revision
)


def test_existing_tickets_get_distinct_codes_and_the_index_holds(fresh_url: str) -> None:
    migrate.upgrade(fresh_url)
    db = Database(fresh_url)
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        key = Ed25519PrivateKey.generate()
        paid = [make_paid_order(db, now=now, private_key=key, seats=3) for _ in range(2)]
        with db.reader() as session:
            before = dict(session.execute(select(Ticket.id, Ticket.code)).all())
        migrate.downgrade(fresh_url, BEFORE_SHORT_CODES)
        with db.engine.connect() as conn:
            assert "short_code" not in {c["name"] for c in inspect(conn).get_columns("tickets")}
        migrate.upgrade(fresh_url)
        with db.reader() as session:
            rows = session.execute(select(Ticket.id, Ticket.code, Ticket.short_code)).all()
        assert {r.id: r.code for r in rows} == before  # nothing else changed
        assert len({r.short_code for r in rows}) == len(rows) == 6
        assert all(normalise_short_code(r.short_code) == r.short_code for r in rows)
        taken = {r.id: r.short_code for r in rows}
        first, second = paid[0].ticket_ids[:2]
        with pytest.raises(IntegrityError), db.unit_of_work() as session:
            session.execute(
                update(Ticket).where(Ticket.id == second).values(short_code=taken[first])
            )
    finally:
        db.dispose()
