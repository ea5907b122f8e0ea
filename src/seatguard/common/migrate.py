"""Run Alembic from code: ``seatguard db upgrade`` and the test fixtures use this.

Each service keeps its own migration tree (booking in ``seatguard/migrations``, auth in
``seatguard/auth/migrations`` with its own version table), so they can live in one database or
two.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from seatguard.common.db import normalise_url


def alembic_config(url: str, *, package: str = "seatguard") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files(package) / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head", *, package: str = "seatguard") -> None:
    command.upgrade(alembic_config(url, package=package), revision)


def downgrade(url: str, revision: str, *, package: str = "seatguard") -> None:
    command.downgrade(alembic_config(url, package=package), revision)


@contextmanager
def foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """On SQLite, switch foreign-key enforcement off while migrations run, then check it.

    Batch mode alters a SQLite table by copying it and dropping the old one; with enforcement
    on, dropping a table that other rows point at fails (``orders`` under ``order_items``), so
    any batch migration on a database with data would stop half-way. The pragma only takes
    effect outside a transaction, hence the driver connection. Afterwards every reference is
    checked and the migration fails if one dangles. Other databases are left as they are.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        dangling = raw.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"migration left rows pointing nowhere: {dangling[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")
