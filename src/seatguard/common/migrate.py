"""Run Alembic from code: ``seatguard db upgrade`` and the test fixtures use this.

Each service keeps its own migration tree (booking in ``seatguard/migrations``, auth in
``seatguard/auth/migrations`` with its own version table), so they can live in one database or
two.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

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
