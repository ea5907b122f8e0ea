"""tickets: a short random code per ticket, typed at the door when the QR cannot be read

Revision ID: 0010
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from seatguard.tickets.short_codes import new_short_code

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("short_code", sa.String(length=12), nullable=True))
    tickets = sa.table("tickets", sa.column("id", sa.Uuid()), sa.column("short_code", sa.String()))
    bind = op.get_bind()
    for (ticket_id,) in bind.execute(sa.select(tickets.c.id)).all():
        bind.execute(
            tickets.update().where(tickets.c.id == ticket_id).values(short_code=new_short_code())
        )
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("short_code", existing_type=sa.String(length=12), nullable=False)
        batch.create_index("ix_tickets_short_code", ["short_code"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_short_code")
        batch.drop_column("short_code")
