"""payments: webhook inbox, refund bookkeeping on orders

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatguard.common.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("session_id", sa.String(length=255), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payment_events_session_id", "payment_events", ["session_id"])
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("refund_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("status_reason", sa.String(length=100), nullable=True))
        batch.create_index("ix_orders_pending_expiry", ["status", "hold_expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_pending_expiry")
        batch.drop_column("status_reason")
        batch.drop_column("refund_id")
    op.drop_index("ix_payment_events_session_id", table_name="payment_events")
    op.drop_table("payment_events")
