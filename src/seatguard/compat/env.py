"""The original's environment names, read beside ours (ours win when both are set).

``Settings`` calls :func:`translate` before validation. Simple renames are plain field aliases
in ``settings.py``; this module does what an alias cannot: compose a database URL from
``DB_HOST``/``DB_PORT``/``DB_USER``/``DB_PASSWORD``/``DB_NAME``, map ``ENV_MODE`` values
(``dev``, ``prod`` …), expand a bare ``STRIPE_SUCCESS_URL`` base the way the original did, and
warn once when an original name and ours are both set to different values.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import quote

log = logging.getLogger("seatguard.compat")

# (ours, the original's) — ours takes precedence when both are set.
RENAMED: tuple[tuple[str, str], ...] = (
    ("DATABASE_URL", "DB_URL"),
    ("JWT_SECRET", "SECRET_JWT"),
    ("QUEUE_URL", "SQS_QUEUE_URL"),
    ("SEATGUARD_ENV", "ENV_MODE"),
    ("CORS_ORIGINS", "MY_FRONTEND_URL"),
    ("EMAIL_FROM", "SMTP_FROM"),
)

ENV_MODES: dict[str, str] = {
    "dev": "development",
    "develop": "development",
    "development": "development",
    "local": "development",
    "test": "test",
    "testing": "test",
    "prod": "production",
    "production": "production",
    "staging": "production",
}

SUCCESS_PATH = "/dentro/checkout/success?session_id={CHECKOUT_SESSION_ID}&order_id={ORDER_ID}"
CANCEL_PATH = "/dentro/checkout/cancel?order_id={ORDER_ID}"

_warned: set[tuple[str, str]] = set()


def env_mode(value: str) -> str:
    """``dev``/``development``/``prod``/``production``/… → ours; unknown values pass through."""
    return ENV_MODES.get(value.strip().lower(), value)


def database_url_from_parts(environ: Mapping[str, str]) -> str | None:
    """``postgresql+psycopg://user:password@host:port/name`` from the original's DB_* names."""
    host = environ.get("DB_HOST", "").strip()
    if not host:
        return None
    user = quote(environ.get("DB_USER", "postgres"), safe="")
    password = environ.get("DB_PASSWORD", "")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    port = environ.get("DB_PORT", "5432").strip() or "5432"
    name = quote(environ.get("DB_NAME", "postgres").strip() or "postgres", safe="")
    return f"postgresql+psycopg://{auth}@{host}:{port}/{name}"


def checkout_url(value: str, path: str) -> str:
    """A template (has ``{``) is kept; a bare base URL gets the original's path appended."""
    if not value or "{" in value:
        return value
    return value.rstrip("/") + path


def _first(data: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _warn_once(ours: str, original: str) -> None:
    if (ours, original) in _warned:
        return
    _warned.add((ours, original))
    log.warning(
        "both %s and %s are set with different values; using %s (remove %s)",
        ours,
        original,
        ours,
        original,
    )


def warn_conflicts(environ: Mapping[str, str]) -> None:
    """Name both variables (never their values) when an original name disagrees with ours."""
    for ours, original in RENAMED:
        mine, theirs = environ.get(ours), environ.get(original)
        if not mine or not theirs:
            continue
        if ours == "SEATGUARD_ENV":
            mine, theirs = env_mode(mine), env_mode(theirs)
        if mine != theirs:
            _warn_once(ours, original)
    composed = database_url_from_parts(environ)
    chosen = environ.get("DATABASE_URL") or environ.get("DB_URL")
    if composed and chosen and chosen != composed:
        _warn_once("DATABASE_URL" if environ.get("DATABASE_URL") else "DB_URL", "DB_HOST")


def translate(data: MutableMapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """Fill and rewrite ``data`` (the raw settings values) in place."""
    environ = os.environ if environ is None else environ
    warn_conflicts(environ)
    for key in ("env", "SEATGUARD_ENV", "ENV_MODE"):
        if isinstance(data.get(key), str):
            data[key] = env_mode(data[key])
    db_keys = ("database_url", "DATABASE_URL", "DB_URL")
    if _first(data, *db_keys) is None:
        composed = database_url_from_parts(environ)
        if composed:
            data["database_url"] = composed
    success_keys = ("stripe_success_url", "STRIPE_SUCCESS_URL")
    cancel_keys = ("stripe_cancel_url", "STRIPE_CANCEL_URL")
    success = _first(data, *success_keys)
    cancel = _first(data, *cancel_keys)
    if success and "{" not in success:
        for key in success_keys:
            data.pop(key, None)
        data["stripe_success_url"] = checkout_url(success, SUCCESS_PATH)
        if cancel is None:  # the original built both pages on STRIPE_SUCCESS_URL
            cancel = success
    if cancel:
        for key in cancel_keys:
            data.pop(key, None)
        data["stripe_cancel_url"] = checkout_url(cancel, CANCEL_PATH)


def warn_public_ticket_links(enabled: bool) -> None:
    if enabled:
        log.warning(
            "PUBLIC_TICKET_LINKS is on: anyone who knows an order id can download its tickets"
        )
