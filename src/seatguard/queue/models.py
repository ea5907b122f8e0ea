"""The ``jobs`` table behind the database queue (and its dead-letter queue), and the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from seatguard.common.db import Base, UTCDateTime


class Job(Base):
    """One message. Ready when neither dead nor done and ``visible_at`` has passed.

    Claiming a job pushes ``visible_at`` (and ``locked_until``) one visibility timeout ahead,
    so a job whose worker died shows up again once that lease runs out.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("queue", "dedupe_key", name="uq_jobs_dedupe"),
        # claiming scans only live jobs, in visibility order
        Index(
            "ix_jobs_ready",
            "queue",
            "visible_at",
            sqlite_where=text("dead = 0 AND done_at IS NULL"),
            postgresql_where=text("NOT dead AND done_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    queue: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    visible_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    dead: Mapped[bool] = mapped_column(Boolean, default=False)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A message for an external queue (SQS), written in the transaction that caused it.

    The relay sends unsent rows whose ``available_at`` has passed and stamps ``sent_at``;
    claiming a row pushes ``available_at`` one lease ahead, so a relay that died mid-send
    leaves the row to another relay once the lease runs out (sent twice, never lost). Sent
    rows stay for the retention period so a ``dedupe_key`` keeps refusing duplicates.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("destination", "dedupe_key", name="uq_outbox_dedupe"),
        Index(
            "ix_outbox_due",
            "destination",
            "available_at",
            sqlite_where=text("sent_at IS NULL"),
            postgresql_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    destination: Mapped[str] = mapped_column(String(512))  # the SQS queue URL
    body: Mapped[str] = mapped_column(Text)
    group_id: Mapped[str | None] = mapped_column(String(128), default=None)  # FIFO only
    dedupe_key: Mapped[str | None] = mapped_column(String(255), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
