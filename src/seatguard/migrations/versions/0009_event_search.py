"""events: folded search text (name, artist, location) for accent-insensitive search

Revision ID: 0009
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from seatguard.booking.text import search_document

revision: str = "0009"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    events = sa.table(
        "events",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("artist", sa.String()),
        sa.column("location", sa.String()),
        sa.column("search_text", sa.Text()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(events.c.id, events.c.name, events.c.artist, events.c.location))
    for row in rows.all():
        bind.execute(
            events.update()
            .where(events.c.id == row.id)
            .values(search_text=search_document(row.name, row.artist or "", row.location))
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("search_text")
