"""The booking migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import seatguard.models  # noqa: F401 - every table module
from seatguard.common.db import Base, normalise_url


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    booking_tables = set(Base.metadata.tables)  # the auth service's tables share test databases

    def booking_only(name: str | None, type_: str, _parents: object) -> bool:
        return type_ != "table" or name in booking_tables

    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": booking_only}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
