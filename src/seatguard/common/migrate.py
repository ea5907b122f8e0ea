"""Run Alembic from code: ``seatguard db upgrade`` and the test fixtures use this."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

from seatguard.common.db import normalise_url


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("seatguard") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
