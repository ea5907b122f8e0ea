"""database queue: the jobs table

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatguard.common.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("visible_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.Column("locked_until", seatguard.common.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dead", sa.Boolean(), nullable=False),
        sa.Column("dead_at", seatguard.common.db.UTCDateTime(), nullable=True),
        sa.Column("done_at", seatguard.common.db.UTCDateTime(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("created_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("queue", "dedupe_key", name="uq_jobs_dedupe"),
    )
    op.create_index(
        "ix_jobs_ready",
        "jobs",
        ["queue", "visible_at"],
        unique=False,
        sqlite_where=sa.text("dead = 0 AND done_at IS NULL"),
        postgresql_where=sa.text("NOT dead AND done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_ready", table_name="jobs")
    op.drop_table("jobs")
