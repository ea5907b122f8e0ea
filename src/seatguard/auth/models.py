"""Auth tables. They live on their own metadata and migration tree, apart from booking."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from seatguard.common.db import UTCDateTime


class AuthBase(DeclarativeBase):
    pass


class User(AuthBase):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('customer', 'staff', 'admin')", name="ck_users_role"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # always lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default="customer")
    # "en", "es", or "" when the account has not said (the browser's choice applies then)
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    # Raised by ``seatguard users revoke``: tokens carrying an older ``ver`` are refused.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginThrottle(AuthBase):
    """Login attempts counted per key (``acct:…`` or ``pair:<address>|…``), for backoff.

    ``next_attempt_at`` is when the key may try again; rows untouched for the throttle window
    are forgotten."""

    __tablename__ = "login_throttle"
    __table_args__ = (Index("ix_login_throttle_last_failed", "last_failed_at"),)

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
