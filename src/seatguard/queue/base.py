"""The queue port: at-least-once delivery with retries and a dead-letter queue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    id: str
    body: dict[str, Any]  # always has "type"; handlers dispatch on it
    attempts: int  # deliveries so far, this one included
    receipt: str  # what ack/retry need (SQS receipt handle, or the job id)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadJob:
    id: str
    body: dict[str, Any]
    attempts: int
    last_error: str | None
    dead_at: datetime | None


class Queue(Protocol):
    def send(
        self,
        body: dict[str, Any],
        *,
        session: Session | None = None,
        dedupe_key: str | None = None,
        delay_seconds: float = 0,
    ) -> None:
        """Enqueue ``body``. With ``session`` (database queue), inside that transaction."""
        ...

    def receive(self, *, max_messages: int = 10, wait_seconds: float = 1.0) -> list[Message]: ...

    def ack(self, message: Message) -> None: ...

    def retry(self, message: Message, *, error: str) -> None:
        """Make the message visible again after a backoff; dead-letter it after N attempts."""
        ...

    def depth(self) -> dict[str, int]:
        """``{"ready": …, "in_flight": …, "dead": …}`` for metrics and benchmarks."""
        ...


@runtime_checkable
class Heartbeats(Protocol):
    """A queue whose messages' invisibility can be renewed while a long handler runs."""

    @property
    def visibility_timeout(self) -> float: ...

    def extend(self, message: Message) -> None:
        """Keep ``message`` from anyone else for another visibility timeout from now."""
        ...


@runtime_checkable
class DeadLetters(Protocol):
    """A queue whose dead letters can be listed and sent back (``seatguard queue dead``)."""

    def dead_jobs(self, *, limit: int = 100) -> list[DeadJob]: ...

    def redrive_dead(self, ids: list[str] | None = None) -> int: ...


def decode_body(raw: str) -> dict[str, Any]:
    """A message body as a dict; anything else becomes an ``invalid`` message (never dropped)."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        return body
    return {"type": "invalid", "raw": raw[:2000]}
