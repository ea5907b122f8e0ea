"""The booking migrations build exactly the schema the SQLAlchemy models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import seatguard.models  # noqa: F401 - registers every table
from seatguard.auth.models import AuthBase
from seatguard.common.db import Base, make_engine


def test_migrated_database_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    auth_tables = set(AuthBase.metadata.tables)

    def ours(obj: object, name: str | None, type_: str, reflected: bool, _other: object) -> bool:
        return not (type_ == "table" and name in auth_tables | {"alembic_version_auth"})

    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": ours, "compare_type": True}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
