"""event states and sales windows: DRAFT and SALES_CLOSED, sales start and end

Revision ID: 0013
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatguard.common.db

revision: str = "0013"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this revision (not imported from the code, which may grow later).
BEFORE = ("ON_SALE", "CANCELLED")
AFTER = ("DRAFT", "ON_SALE", "SALES_CLOSED", "CANCELLED")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("ck_events_status", type_="check")
        batch.add_column(
            sa.Column("sales_start_at", seatguard.common.db.UTCDateTime(), nullable=True)
        )
        batch.add_column(
            sa.Column("sales_end_at", seatguard.common.db.UTCDateTime(), nullable=True)
        )
        batch.create_check_constraint("ck_events_status", _one_of("status", AFTER))


def downgrade() -> None:
    # The older schema knows no draft or closed sales: a draft was never sold (it goes back
    # as a cancelled event, which buyers do not see either); closed sales reopen.
    op.execute("UPDATE events SET status = 'CANCELLED' WHERE status = 'DRAFT'")
    op.execute("UPDATE events SET status = 'ON_SALE' WHERE status = 'SALES_CLOSED'")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("ck_events_status", type_="check")
        batch.drop_column("sales_end_at")
        batch.drop_column("sales_start_at")
        batch.create_check_constraint("ck_events_status", _one_of("status", BEFORE))
