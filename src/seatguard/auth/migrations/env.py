"""Alembic environment of the auth tables (their own version table and metadata)."""

from __future__ import annotations

from typing import Any

from alembic import context

from seatguard.auth.migrate import VERSION_TABLE
from seatguard.auth.models import AuthBase
from seatguard.common.db import make_engine, normalise_url
from seatguard.common.migrate import foreign_keys_deferred
from seatguard.settings import get_settings

config = context.config
url = normalise_url(config.get_main_option("sqlalchemy.url") or get_settings().auth_db_url)


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, _compare_to: Any) -> bool:
    """Autogenerate looks only at auth tables, never at booking's in the same database."""
    if type_ == "table":
        return name in AuthBase.metadata.tables
    return True


def run_migrations_offline() -> None:
    context.configure(
        url=url,
        target_metadata=AuthBase.metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        version_table=VERSION_TABLE,
        include_object=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=AuthBase.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            version_table=VERSION_TABLE,
            include_object=_ours,
        )
        with foreign_keys_deferred(connection), context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
