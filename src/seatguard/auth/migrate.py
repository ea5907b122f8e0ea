"""Run the auth tree of Alembic migrations (version table ``alembic_version_auth``)."""

from __future__ import annotations

from alembic.config import Config

from seatguard.common import migrate

VERSION_TABLE = "alembic_version_auth"
PACKAGE = "seatguard.auth"


def alembic_config(url: str) -> Config:
    return migrate.alembic_config(url, package=PACKAGE)


def upgrade(url: str, revision: str = "head") -> None:
    migrate.upgrade(url, revision, package=PACKAGE)


def downgrade(url: str, revision: str) -> None:
    migrate.downgrade(url, revision, package=PACKAGE)
