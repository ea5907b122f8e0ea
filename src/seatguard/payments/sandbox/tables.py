"""The sandbox's state as tables, so every process (uvicorn workers, a restart) sees it.

Times are Stripe's: integer Unix seconds from the sandbox's clock. Webhook deliveries are
scheduled in wall-clock seconds (``due_at``) and claimed with a lease (``claimed_until``), so
two processes never send the same delivery at once and a crashed sender's lease runs out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from seatguard.common.db import Base


class SandboxCheckoutSession(Base):
    __tablename__ = "sandbox_checkout_sessions"
    __table_args__ = (Index("ix_sandbox_sessions_open", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    created: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    success_url: Mapped[str] = mapped_column(Text)
    cancel_url: Mapped[str | None] = mapped_column(Text)
    client_reference_id: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(800))
    meta: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    status: Mapped[str] = mapped_column(String(20))
    payment_status: Mapped[str] = mapped_column(String(20))
    payment_intent: Mapped[str | None] = mapped_column(String(255))
    customer_name: Mapped[str | None] = mapped_column(Text)
    paid_email: Mapped[str | None] = mapped_column(Text)


class SandboxPaymentIntent(Base):
    __tablename__ = "sandbox_payment_intents"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    created: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(40))
    charge: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_method: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    amount_refunded: Mapped[int] = mapped_column(BigInteger)
    receipt_email: Mapped[str | None] = mapped_column(Text)
    client_secret: Mapped[str] = mapped_column(String(64))


class SandboxRefund(Base):
    __tablename__ = "sandbox_refunds"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    created: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    payment_intent: Mapped[str] = mapped_column(String(255), index=True)
    charge: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(String(40))
    meta: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    status: Mapped[str] = mapped_column(String(20))


class SandboxEvent(Base):
    __tablename__ = "sandbox_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    created: Mapped[int] = mapped_column(BigInteger)
    object: Mapped[dict[str, Any]] = mapped_column(JSON)
    request: Mapped[dict[str, str | None]] = mapped_column(JSON)
    delivered: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    responses: Mapped[list[str]] = mapped_column(JSON)


class SandboxDelivery(Base):
    """One webhook attempt to make: due at ``due_at``, held by a sender until ``claimed_until``."""

    __tablename__ = "sandbox_webhook_deliveries"
    __table_args__ = (Index("ix_sandbox_deliveries_due", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(255), index=True)
    due_at: Mapped[float] = mapped_column(Float)
    claimed_until: Mapped[float | None] = mapped_column(Float)


class SandboxIdempotencyKey(Base):
    __tablename__ = "sandbox_idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created: Mapped[int] = mapped_column(BigInteger)
