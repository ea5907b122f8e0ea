"""How money and dates are written on tickets and in emails (no locale dependence)."""

from __future__ import annotations

from datetime import datetime

# Stripe's zero-decimal currencies: their minor unit is the major unit.
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_money(amount_minor: int, currency: str) -> str:
    """``USD 150.00``; ``JPY 1500`` for zero-decimal currencies."""
    code = currency.upper()
    if currency.lower() in ZERO_DECIMAL:
        return f"{code} {amount_minor:,}"
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 100)
    return f"{code} {sign}{major:,}.{minor:02d}"


def utc_offset(moment: datetime) -> str:
    """``UTC-03:00`` for an aware datetime."""
    offset = moment.utcoffset()
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def format_local_date(moment: datetime) -> str:
    """``Tue 1 Jan 2030``."""
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def format_event_time(moment: datetime, zone_name: str) -> str:
    """``Tue 1 Jan 2030, 18:00 (America/Argentina/Buenos_Aires, UTC-03:00)``.

    ``moment`` must already be in the event's zone (see EventView.local_starts_at).
    """
    return f"{format_local_date(moment)}, {moment:%H:%M} ({zone_name}, {utc_offset(moment)})"
