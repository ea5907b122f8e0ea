"""money paths: status enums as CHECK constraints, refund status, disputes

Revision ID: 0004
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatguard.common.db

revision: str = "0004"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this revision (not imported from the code, which may grow later).
ORDER_STATUSES = ("PENDING", "COMPLETED", "FAILED", "EXPIRED", "CANCELLED", "REFUNDING", "REFUNDED")
EVENT_STATUSES = ("ON_SALE", "CANCELLED")
SEAT_STATUSES = ("AVAILABLE", "LOCKED", "SOLD")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    # A hold without an expiry has never been written by this code; should one exist, it ends now.
    op.execute(
        "UPDATE seats SET held_until = updated_at WHERE status = 'LOCKED' AND held_until IS NULL"
    )
    with op.batch_alter_table("events") as batch:
        batch.create_check_constraint("ck_events_status", _one_of("status", EVENT_STATUSES))
    with op.batch_alter_table("seats") as batch:
        batch.create_check_constraint("ck_seats_status", _one_of("status", SEAT_STATUSES))
        batch.create_check_constraint(
            "ck_seats_hold_ends", "status <> 'LOCKED' OR held_until IS NOT NULL"
        )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("refund_status", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("refund_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_check_constraint("ck_orders_status", _one_of("status", ORDER_STATUSES))
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("charge_id", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disputes_order_id", "disputes", ["order_id"])
    op.create_index("ix_disputes_payment_intent_id", "disputes", ["payment_intent_id"])


def downgrade() -> None:
    op.drop_index("ix_disputes_payment_intent_id", table_name="disputes")
    op.drop_index("ix_disputes_order_id", table_name="disputes")
    op.drop_table("disputes")
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("ck_orders_status", type_="check")
        batch.drop_column("refund_attempts")
        batch.drop_column("refund_status")
    with op.batch_alter_table("seats") as batch:
        batch.drop_constraint("ck_seats_hold_ends", type_="check")
        batch.drop_constraint("ck_seats_status", type_="check")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("ck_events_status", type_="check")
