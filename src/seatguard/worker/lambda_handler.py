"""AWS Lambda entry point for an SQS event source with ``ReportBatchItemFailures``.

Lambda deletes the records that are not reported; reported ones become visible again after
the queue's visibility timeout and, after ``maxReceiveCount`` receives, the queue's redrive
policy moves them to the dead-letter queue. A record whose body is not a JSON object with a
``type`` is reported as failed, so it ends in the dead-letter queue instead of vanishing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from seatguard.queue.base import Message, decode_body
from seatguard.worker.runner import Handler, process_batch

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def make_handler(handlers: Mapping[str, Handler] | None = None) -> LambdaHandler:
    """A Lambda handler using ``handlers``, or the application's own, loaded on first use."""
    loaded: list[Mapping[str, Handler]] = [handlers] if handlers is not None else []

    def handle(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        if not loaded:
            loaded.append(_default_handlers())
        messages = [to_message(record) for record in event.get("Records", [])]
        failed = process_batch(None, loaded[0], messages)
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

    return handle


def to_message(record: dict[str, Any]) -> Message:
    attributes = record.get("attributes") or {}
    return Message(
        id=record["messageId"],
        body=decode_body(record.get("body", "")),
        attempts=int(attributes.get("ApproximateReceiveCount", "1")),
        receipt=record.get("receiptHandle", ""),
    )


def _default_handlers() -> Mapping[str, Handler]:
    module = importlib.import_module("seatguard.worker.handlers")
    handlers: Mapping[str, Handler] = module.default_handlers()
    return handlers


handler = make_handler()
