"""waiting list: one entry per buyer in line for a sold-out event, with its offer

Revision ID: 0014
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatguard.common.db

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("state IN ('WAITING', 'OFFERED')")
STATES = "'WAITING', 'OFFERED', 'CONVERTED', 'LAPSED', 'LEFT', 'REMOVED'"


def upgrade() -> None:
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("seats_wanted", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("joined_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=True),
        sa.Column("offered_at", seatguard.common.db.UTCDateTime(), nullable=True),
        sa.Column("offered_until", seatguard.common.db.UTCDateTime(), nullable=True),
        sa.Column("seats_offered", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(f"state IN ({STATES})", name="ck_waitlist_state"),
        sa.CheckConstraint("seats_wanted >= 1", name="ck_waitlist_seats_wanted"),
        sa.CheckConstraint(
            "state <> 'OFFERED' OR (offered_until IS NOT NULL AND offer_id IS NOT NULL)",
            name="ck_waitlist_offer_ends",
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_waitlist_active_user",
        "waitlist_entries",
        ["event_id", "user_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index("ix_waitlist_line", "waitlist_entries", ["event_id", "state", "joined_at"])


def downgrade() -> None:
    op.drop_index("ix_waitlist_line", table_name="waitlist_entries")
    op.drop_index("uq_waitlist_active_user", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
