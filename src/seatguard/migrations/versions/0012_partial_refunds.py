"""partial refunds: refund rows, refunded order items, void tickets (one live ticket per seat)

Revision ID: 0012
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatguard.common.db

revision: str = "0012"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite's unique constraint on tickets.seat_id has no name; batch mode names it by this.
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
LIVE = sa.text("voided_at IS NULL")


def _seat_unique_name() -> str:
    return (
        "tickets_seat_id_key"
        if op.get_bind().dialect.name == "postgresql"
        else "uq_tickets_seat_id"
    )


def upgrade() -> None:
    op.create_table(
        "order_refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("request_key", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column("gateway_refund_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", seatguard.common.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "request_key", name="uq_order_refund_key"),
    )
    op.create_index("ix_order_refunds_order_id", "order_refunds", ["order_id"])
    with op.batch_alter_table("order_items") as batch:
        batch.add_column(sa.Column("refund_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key("fk_order_items_refund_id", "order_refunds", ["refund_id"], ["id"])
        batch.create_index("ix_order_items_refund_id", ["refund_id"])
    with op.batch_alter_table("tickets", naming_convention=SQLITE_NAMES) as batch:
        batch.add_column(sa.Column("voided_at", seatguard.common.db.UTCDateTime(), nullable=True))
        batch.drop_constraint(_seat_unique_name(), type_="unique")
    op.create_index(
        "uq_tickets_live_seat",
        "tickets",
        ["seat_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_tickets_live_seat", table_name="tickets")
    op.execute("DELETE FROM tickets WHERE voided_at IS NOT NULL")
    with op.batch_alter_table("tickets", naming_convention=SQLITE_NAMES) as batch:
        batch.drop_column("voided_at")
        batch.create_unique_constraint(_seat_unique_name(), ["seat_id"])
    with op.batch_alter_table("order_items") as batch:
        batch.drop_index("ix_order_items_refund_id")
        batch.drop_constraint("fk_order_items_refund_id", type_="foreignkey")
        batch.drop_column("refund_id")
    op.drop_index("ix_order_refunds_order_id", table_name="order_refunds")
    op.drop_table("order_refunds")
