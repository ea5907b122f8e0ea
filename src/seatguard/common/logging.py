"""Structured logs: one JSON object (or one text line) per record, each with its request id.

The request id lives in a context variable: the HTTP middleware sets it for each request,
the webhook copies it into the queue message it writes, and the worker restores it around
the handler call, so one payment's log lines share one id from webhook to email.
"""

from __future__ import annotations

import json
import logging
import logging.config
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from seatguard.settings import Settings

request_id_var: ContextVar[str | None] = ContextVar("seatguard_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def request_context(request_id: object) -> Iterator[None]:
    """Run a block with ``request_id`` as the current id (``None`` or a non-string: none)."""
    token = request_id_var.set(request_id if isinstance(request_id, str) else None)
    try:
        yield
    finally:
        request_id_var.reset(token)


def with_request_id(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` plus ``request_id`` when a request is being served (queue messages carry it)."""
    request_id = current_request_id()
    return body if request_id is None else {**body, "request_id": request_id}


class RequestIdFilter(logging.Filter):
    """Stamps ``record.request_id`` from the context (``-`` outside any request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras, exc_info."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == "-" else request_id,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Libraries that narrate routine work at INFO (every Stripe API call, Alembic's plugin set-up):
# they speak from WARNING up unless the log level is DEBUG.
CHATTY = ("stripe", "alembic.runtime.plugins")


def logging_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict; also handed to uvicorn (applied in each worker)."""
    fmt = settings.resolved_log_format
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    loggers: dict[str, Any] = {
        name: {"handlers": [], "propagate": True}
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
    }
    chatty_level = "NOTSET" if settings.log_level.upper() == "DEBUG" else "WARNING"
    loggers.update({name: {"level": chatty_level} for name in CHATTY})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": settings.log_level.upper()},
        "loggers": loggers,
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
