"""The SQS adapter: the same port on Amazon SQS (or any SQS-compatible endpoint).

Retries use SQS itself: ``retry`` only shortens or lengthens the message's invisibility
(``ChangeMessageVisibility``) to a backoff; the queue's redrive policy moves it to the
dead-letter queue once it has been received ``maxReceiveCount`` times.

SQS cannot join a database transaction: ``send(..., session=s)`` defers the send until that
session commits (and drops it on rollback). ``dedupe_key`` becomes the
``MessageDeduplicationId`` on FIFO queues; standard queues deliver at least once and may
deliver twice, so consumers must be idempotent either way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from typing import TYPE_CHECKING, Any

import boto3
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from seatguard.queue.backoff import backoff_seconds
from seatguard.queue.base import Message

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType
    from mypy_boto3_sqs.type_defs import SendMessageRequestTypeDef

log = logging.getLogger("seatguard.queue")

MAX_VISIBILITY = 12 * 3600  # SQS's ceiling for a visibility timeout
MAX_WAIT = 20  # SQS's ceiling for long polling
_PENDING = "seatguard.sqs_pending"


def sqs_client(*, region: str, endpoint_url: str | None = None) -> SQSClient:
    return boto3.client("sqs", region_name=region, endpoint_url=endpoint_url)


class SqsQueue:
    def __init__(
        self,
        queue_url: str,
        *,
        region: str,
        endpoint_url: str | None = None,
        visibility_timeout: int = 30,
        base_backoff: float = 1.0,
        max_backoff: float = 300,
        message_group_id: str = "seatguard",
        client: SQSClient | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.queue_url = queue_url
        self.fifo = queue_url.endswith(".fifo")
        self._client = client or sqs_client(region=region, endpoint_url=endpoint_url)
        self._visibility = visibility_timeout
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._group = message_group_id
        self._rng = rng
        self._dlq_url: str | None = None

    def send(
        self,
        body: dict[str, Any],
        *,
        session: Session | None = None,
        dedupe_key: str | None = None,
        delay_seconds: float = 0,
    ) -> None:
        if not isinstance(body.get("type"), str):
            raise ValueError('a message body needs a string "type"')
        request: SendMessageRequestTypeDef = {
            "QueueUrl": self.queue_url,
            "MessageBody": json.dumps(body, separators=(",", ":")),
        }
        if self.fifo:  # FIFO queues take no per-message delay
            request["MessageGroupId"] = self._group
            request["MessageDeduplicationId"] = dedupe_key or _digest(request["MessageBody"])
        elif delay_seconds > 0:
            request["DelaySeconds"] = min(900, round(delay_seconds))
        if session is None:
            self._client.send_message(**request)
        else:
            _send_after_commit(session, self._client, request)

    def receive(self, *, max_messages: int = 10, wait_seconds: float = 1.0) -> list[Message]:
        answer = self._client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(10, max_messages)),
            WaitTimeSeconds=max(0, min(MAX_WAIT, math.ceil(wait_seconds))),
            VisibilityTimeout=self._visibility,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = []
        for raw in answer.get("Messages", []):
            messages.append(
                Message(
                    id=raw["MessageId"],
                    body=decode_body(raw["Body"]),
                    attempts=int(raw.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
                    receipt=raw["ReceiptHandle"],
                )
            )
        return messages

    def ack(self, message: Message) -> None:
        self._client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt)

    def retry(self, message: Message, *, error: str) -> None:
        delay = backoff_seconds(
            message.attempts, base=self._base_backoff, cap=self._max_backoff, rng=self._rng
        )
        log.info("message %s back in %.0fs after: %s", message.id, delay, error)
        self._client.change_message_visibility(
            QueueUrl=self.queue_url,
            ReceiptHandle=message.receipt,
            VisibilityTimeout=min(MAX_VISIBILITY, round(delay)),
        )

    def depth(self) -> dict[str, int]:
        counts = self._counts(self.queue_url)
        dlq = self.dead_letter_queue_url()
        return {
            "ready": counts["ApproximateNumberOfMessages"],
            "in_flight": counts["ApproximateNumberOfMessagesNotVisible"],
            "delayed": counts["ApproximateNumberOfMessagesDelayed"],
            "dead": self._counts(dlq)["ApproximateNumberOfMessages"] if dlq else 0,
        }

    def dead_letter_queue_url(self) -> str | None:
        """The DLQ named by this queue's redrive policy (looked up once)."""
        if self._dlq_url is None:
            attrs = self._client.get_queue_attributes(
                QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"]
            ).get("Attributes", {})
            if "RedrivePolicy" not in attrs:
                return None
            arn = json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"]
            *_, account, name = arn.split(":")
            self._dlq_url = self._client.get_queue_url(
                QueueName=name, QueueOwnerAWSAccountId=account
            )["QueueUrl"]
        return self._dlq_url

    def _counts(self, url: str) -> dict[str, int]:
        attrs = self._client.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        ).get("Attributes", {})
        return {k: int(v) for k, v in attrs.items()}


def decode_body(raw: str) -> dict[str, Any]:
    """A message body as a dict; anything else becomes an ``invalid`` message (never dropped)."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        return body
    return {"type": "invalid", "raw": raw[:2000]}


def ensure_queues(
    name: str,
    *,
    region: str,
    endpoint_url: str | None = None,
    max_receive_count: int = 8,
    visibility_timeout: int = 30,
    client: SQSClient | None = None,
) -> tuple[str, str]:
    """Create (or find) queue ``name`` and its dead-letter queue; returns both URLs."""
    sqs = client or sqs_client(region=region, endpoint_url=endpoint_url)
    fifo = name.endswith(".fifo")
    base = name.removesuffix(".fifo")
    extra: dict[QueueAttributeNameType, str] = {"FifoQueue": "true"} if fifo else {}
    dlq_url = sqs.create_queue(
        QueueName=f"{base}-dlq" + (".fifo" if fifo else ""),
        Attributes={**extra, "MessageRetentionPeriod": str(14 * 24 * 3600)},
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
    queue_url = sqs.create_queue(
        QueueName=name,
        Attributes={
            **extra,
            "RedrivePolicy": json.dumps(policy),
            "VisibilityTimeout": str(visibility_timeout),
        },
    )["QueueUrl"]
    return queue_url, dlq_url


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _send_after_commit(
    session: Session, client: SQSClient, request: SendMessageRequestTypeDef
) -> None:
    """Queue ``request`` on the session; sent by its next commit, forgotten when it ends."""
    if _PENDING not in session.info:
        event.listen(session, "after_commit", _flush_pending)
        event.listen(session, "after_transaction_end", _drop_pending)
    session.info.setdefault(_PENDING, []).append((client, request))


def _flush_pending(session: Session) -> None:
    for client, request in session.info.get(_PENDING, []):
        client.send_message(**request)
    session.info[_PENDING] = []


def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: commit or rollback
        session.info[_PENDING] = []
