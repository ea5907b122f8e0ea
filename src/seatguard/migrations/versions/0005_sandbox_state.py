"""sandbox: the payment sandbox's sessions, payment intents, refunds, events and deliveries

Revision ID: 0005
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_checkout_sessions",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("success_url", sa.Text(), nullable=False),
        sa.Column("cancel_url", sa.Text(), nullable=True),
        sa.Column("client_reference_id", sa.String(length=200), nullable=True),
        sa.Column("customer_email", sa.String(length=800), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_status", sa.String(length=20), nullable=False),
        sa.Column("payment_intent", sa.String(length=255), nullable=True),
        sa.Column("customer_name", sa.Text(), nullable=True),
        sa.Column("paid_email", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sandbox_sessions_open", "sandbox_checkout_sessions", ["status", "expires_at"]
    )
    op.create_table(
        "sandbox_payment_intents",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("charge", sa.String(length=255), nullable=True),
        sa.Column("payment_method", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.JSON(), nullable=True),
        sa.Column("amount_refunded", sa.BigInteger(), nullable=False),
        sa.Column("receipt_email", sa.Text(), nullable=True),
        sa.Column("client_secret", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sandbox_payment_intents_charge", "sandbox_payment_intents", ["charge"])
    op.create_table(
        "sandbox_refunds",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_intent", sa.String(length=255), nullable=False),
        sa.Column("charge", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sandbox_refunds_payment_intent", "sandbox_refunds", ["payment_intent"])
    op.create_table(
        "sandbox_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("object", sa.JSON(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("responses", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_sandbox_events_type", "sandbox_events", ["type"])
    op.create_table(
        "sandbox_webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=False),
        sa.Column("claimed_until", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sandbox_deliveries_due", "sandbox_webhook_deliveries", ["due_at"])
    op.create_index(
        "ix_sandbox_webhook_deliveries_event_id", "sandbox_webhook_deliveries", ["event_id"]
    )
    op.create_table(
        "sandbox_idempotency_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("sandbox_idempotency_keys")
    op.drop_index("ix_sandbox_webhook_deliveries_event_id", "sandbox_webhook_deliveries")
    op.drop_index("ix_sandbox_deliveries_due", "sandbox_webhook_deliveries")
    op.drop_table("sandbox_webhook_deliveries")
    op.drop_index("ix_sandbox_events_type", "sandbox_events")
    op.drop_table("sandbox_events")
    op.drop_index("ix_sandbox_refunds_payment_intent", "sandbox_refunds")
    op.drop_table("sandbox_refunds")
    op.drop_index("ix_sandbox_payment_intents_charge", "sandbox_payment_intents")
    op.drop_table("sandbox_payment_intents")
    op.drop_index("ix_sandbox_sessions_open", "sandbox_checkout_sessions")
    op.drop_table("sandbox_checkout_sessions")
