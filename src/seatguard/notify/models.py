"""The sent-record of order emails: one row per order and kind, so each is sent once."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from seatguard.common.db import Base, UTCDateTime


class EmailSend(Base):
    """Claimed (``claimed_at``) before the email goes out, stamped ``sent_at`` after.

    A claim without ``sent_at`` is either in progress or was left by a crash; once it is older
    than the claim timeout another delivery may take it over and send.
    """

    __tablename__ = "email_sends"

    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
