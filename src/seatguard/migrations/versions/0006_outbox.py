"""queue delivery: the SQS outbox and the sent-record of order emails

Revision ID: 0006
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatguard.common.db

revision: str = "0006"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("destination", sa.String(length=512), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=True),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", seatguard.common.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("destination", "dedupe_key", name="uq_outbox_dedupe"),
    )
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["destination", "available_at"],
        unique=False,
        sqlite_where=sa.text("sent_at IS NULL"),
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "email_sends",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", seatguard.common.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "kind"),
    )


def downgrade() -> None:
    op.drop_table("email_sends")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
