"""Run the auth tree of Alembic migrations (version table ``alembic_version_auth``)."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

from seatguard.common.db import normalise_url

VERSION_TABLE = "alembic_version_auth"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("seatguard.auth") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
