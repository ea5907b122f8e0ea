"""The waiting list table: one row per buyer and request, kept after it ends (its history)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from seatguard.common.db import Base, UTCDateTime
from seatguard.waitlist.domain import ACTIVE_STATES, EntryState

_ACTIVE = text(f"state IN ({', '.join(repr(s.value) for s in ACTIVE_STATES)})")


class WaitlistEntry(Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        # one entry in line (waiting or offered) per buyer and event: the database says no
        Index(
            "uq_waitlist_active_user",
            "event_id",
            "user_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_waitlist_line", "event_id", "state", "joined_at"),
        CheckConstraint(
            f"state IN ({', '.join(repr(s.value) for s in EntryState)})",
            name="ck_waitlist_state",
        ),
        CheckConstraint("seats_wanted >= 1", name="ck_waitlist_seats_wanted"),
        CheckConstraint(
            "state <> 'OFFERED' OR (offered_until IS NOT NULL AND offer_id IS NOT NULL)",
            name="ck_waitlist_offer_ends",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    seats_wanted: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default=EntryState.WAITING.value)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the current (or last) offer: its id keys the offer email's sent-record
    offer_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    offered_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    seats_offered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
