"""The queue port: at-least-once delivery with retries and a dead-letter queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    id: str
    body: dict[str, Any]  # always has "type"; handlers dispatch on it
    attempts: int  # deliveries so far, this one included
    receipt: str  # what ack/retry need (SQS receipt handle, or the job id)


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
