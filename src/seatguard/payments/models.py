"""The webhook inbox: one row per gateway event id, so a duplicate delivery is a no-op."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from seatguard.common.db import Base, UTCDateTime


class PaymentEvent(Base):
    __tablename__ = "payment_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # Stripe's evt_… id
    type: Mapped[str] = mapped_column(String(100))
    session_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
