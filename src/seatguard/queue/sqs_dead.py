"""The dead-letter queue of an SQS queue: list what died, move it back.

Listing receives the messages with a short invisibility (so one pass sees each once) and then
makes them visible again: nothing leaves the dead-letter queue by being looked at. Moving back
sends a copy to the source queue first and deletes the dead one after, so an interruption
leaves a message in both queues (handled twice, idempotently), never in neither.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from seatguard.queue.base import DeadJob, decode_body

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

HIDE_SECONDS = 30  # long enough for one listing or redrive pass
EMPTY_POLLS = 2  # short polls may miss messages now and then: stop after this many empty ones


def peek(client: SQSClient, dlq_url: str, *, limit: int) -> list[DeadJob]:
    seen = _receive_all(client, dlq_url, limit=limit)
    _show_again(client, dlq_url, seen)
    return [_dead_job(m) for m in seen]


def move_back(
    client: SQSClient,
    dlq_url: str,
    send: Callable[[str, str], None],
    *,
    ids: list[str] | None = None,
) -> int:
    """Send each dead message (or those ``ids``) through ``send(id, body)``, then delete it."""
    wanted = set(ids) if ids is not None else None
    seen = _receive_all(client, dlq_url, limit=10_000, stop_when=wanted)
    moved = 0
    others: list[MessageTypeDef] = []
    for message in seen:
        if wanted is not None and message["MessageId"] not in wanted:
            others.append(message)
            continue
        send(message["MessageId"], message["Body"])
        client.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
        moved += 1
    _show_again(client, dlq_url, others)
    return moved


def _receive_all(
    client: SQSClient, url: str, *, limit: int, stop_when: set[str] | None = None
) -> list[MessageTypeDef]:
    got: dict[str, MessageTypeDef] = {}
    empty = 0
    while len(got) < limit and empty < EMPTY_POLLS:
        if stop_when is not None and stop_when <= set(got):
            break
        answer = client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, limit - len(got)),
            VisibilityTimeout=HIDE_SECONDS,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
        )
        batch = answer.get("Messages", [])
        empty = 0 if batch else empty + 1
        for message in batch:
            got.setdefault(message["MessageId"], message)
    return list(got.values())


def _show_again(client: SQSClient, url: str, messages: list[MessageTypeDef]) -> None:
    for message in messages:
        client.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )


def _dead_job(message: MessageTypeDef) -> DeadJob:
    attributes = message.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    return DeadJob(
        id=message["MessageId"],
        body=decode_body(message["Body"]),
        attempts=int(attributes.get("ApproximateReceiveCount", "1")) - 1,  # less this look
        last_error=None,  # SQS keeps no error: the worker logged it under the message id
        # SQS keeps no time of death either: this is when the message was first sent
        dead_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
    )
