"""How money and dates are written on pages, tickets and in emails: one format per language.

Spanish is written the Argentine way (the demo's audience): ``US$ 300,00`` and
``sáb 15 mar 2031, 20:00 (hora de Argentina)``; English as in the US: ``$300.00`` and
``Sat 15 Mar 2031, 8:00 PM (Argentina Time)``. The language is the one in force
(``seatguard.common.i18n.use_language``) unless one is passed.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from babel.numbers import format_currency

from seatguard.common.i18n import current_language

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
# Babel locale, currency pattern (None: the locale's own) and date-time pattern per language.
_LOCALES = {"en": "en_US", "es": "es_AR"}
_MONEY_PATTERNS: dict[str, str | None] = {"en": None, "es": "¤ #,##0.00"}
_DATE_PATTERNS = {"en": "EEE d MMM y, h:mm a", "es": "EEE d MMM y, HH:mm"}
# Zone names from the language's base locale: es_AR's CLDR data names some zones oddly.
_ZONE_LOCALES = {"en": "en_US", "es": "es"}
_UTC_NAMES = frozenset(["UTC", "Etc/UTC", "Etc/UCT", "UCT", "GMT", "Etc/GMT", "Zulu", "Etc/Zulu"])


def _language(language: str | None) -> str:
    chosen = language or current_language()
    return chosen if chosen in _LOCALES else "en"


def format_money(amount_minor: int, currency: str, language: str | None = None) -> str:
    """``$300.00`` / ``US$ 300,00``; ``¥1,500`` for zero-decimal currencies."""
    lang = _language(language)
    major = amount_minor if currency.lower() in ZERO_DECIMAL else amount_minor / 100
    text = format_currency(
        major, currency.upper(), format=_MONEY_PATTERNS[lang], locale=_LOCALES[lang]
    )
    return text.replace("\xa0", " ")


def zone_label(moment: datetime, zone_name: str, language: str | None = None) -> str:
    """``Argentina Time`` / ``hora de Argentina``; ``UTC`` for UTC."""
    if zone_name in _UTC_NAMES:
        return "UTC"
    return format_datetime(moment, "vvvv", locale=_ZONE_LOCALES[_language(language)])


def format_event_time(moment: datetime, zone_name: str, language: str | None = None) -> str:
    """``Sat 15 Mar 2031, 8:00 PM (Argentina Time)`` in the event's own zone.

    ``moment`` must already be in the event's zone (see EventView.local_starts_at).
    """
    lang = _language(language)
    when = format_datetime(moment, _DATE_PATTERNS[lang], locale=_LOCALES[lang])
    text = f"{when} ({zone_label(moment, zone_name, lang)})"
    return text.replace("\u202f", " ").replace("\xa0", " ")


def format_start(moment: datetime, zone_name: str, language: str | None = None) -> str:
    """An aware start written in the zone named (UTC when the name is unknown)."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone, zone_name = ZoneInfo("UTC"), "UTC"
    return format_event_time(moment.astimezone(zone), zone_name, language)
