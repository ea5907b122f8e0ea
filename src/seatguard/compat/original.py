"""Reading the original's GORM tables and turning their values into ours (no writes here)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, text

from seatguard.booking.domain import Genre

_LABEL = re.compile(r"^\s*([A-Za-z]+)\s*-?\s*(\d+)\s*$")
# Columns read from each table; ``deleted_at`` rows are soft-deleted and skipped by the caller.
COLUMNS: dict[str, tuple[str, ...]] = {
    "events": (
        "id", "name", "description", "location", "date", "poster_url", "gender", "created_at",
        "updated_at", "deleted_at",
    ),
    "seats": (
        "id", "event_id", "section", "number", "price", "status", "created_at", "updated_at",
        "deleted_at",
    ),
    "booking_orders": (
        "id", "user_id", "amount", "payment_provider_id", "status", "seat_ids", "created_at",
        "updated_at", "deleted_at",
    ),
    "checkouts": (
        "order_id", "payment_provider", "payment_intent_id", "currency", "amount",
        "customer_email", "customer_name", "customer_id", "deleted_at",
    ),
}  # fmt: skip


def table_exists(conn: Connection, table: str) -> bool:
    found = conn.execute(text("SELECT to_regclass(:name)"), {"name": f"public.{table}"})
    return found.scalar() is not None


def read_rows(conn: Connection, table: str) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` as a dict, oldest first; an absent table reads as empty."""
    if not table_exists(conn, table):
        return
    columns = ", ".join(f'"{c}"' for c in COLUMNS[table])
    order = "created_at, id" if "created_at" in COLUMNS[table] else "order_id"
    result = conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY {order}"))  # noqa: S608
    for row in result.mappings():
        yield dict(row)


def as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def as_utc(value: Any, default: datetime) -> datetime:
    """GORM writes ``timestamptz``; naive values are taken as UTC."""
    if not isinstance(value, datetime):
        return default
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def split_label(label: str) -> tuple[str, str]:
    """``"A1"`` → ``("A", "1")``; a label without a row letter keeps it all as the number."""
    match = _LABEL.match(label or "")
    if match is None:
        return "", (label or "").strip()[:10]
    return match.group(1).upper(), str(int(match.group(2)))


def dollars_to_minor(value: Any) -> int | None:
    """A float dollar price → integer cents, rounded half up on its decimal text."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def genre(value: Any) -> str:
    text_value = str(value or "").strip().upper()
    return text_value if text_value in Genre.__members__ else Genre.VARIOS.value


def seat_ids(value: Any) -> list[uuid.UUID]:
    """``seat_ids`` was GORM's JSON serializer over a text column: ``'["id", …]'``."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            value = [part.strip(' "{}') for part in value.strip("{}[]").split(",")]
    if not isinstance(value, list):
        return []
    found = (as_uuid(v) for v in value)
    return list(dict.fromkeys(v for v in found if v is not None))
