"""The SQS adapter: the same port on Amazon SQS (or any SQS-compatible endpoint).

Sending goes through the transactional outbox (``seatguard.queue.outbox``): ``send`` writes
a row in the caller's transaction (or its own) and a relay delivers it, so a message exists
in SQS if and only if its transaction committed, whatever SQS was doing at the time.
``dedupe_key`` refuses a second row with the same key for as long as sent rows are kept and
becomes the ``MessageDeduplicationId`` on FIFO queues, whose ``MessageGroupId`` is the
message's aggregate (its order, else its checkout session): one stuck order never holds up
the others. Standard queues deliver at least once and may deliver twice, so consumers are
idempotent either way.

Retries use SQS itself: ``retry`` only shortens or lengthens the message's invisibility
(``ChangeMessageVisibility``) to a backoff, ``extend`` renews it while a long handler runs;
the queue's redrive policy moves a message to the dead-letter queue once it has been
received ``maxReceiveCount`` times, and ``dead_jobs``/``redrive_dead`` read and empty it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from sqlalchemy.orm import Session

from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.queue import sqs_dead
from seatguard.queue.backoff import backoff_seconds
from seatguard.queue.base import DeadJob, Message, decode_body
from seatguard.queue.outbox import Envelope, Outbox

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType
    from mypy_boto3_sqs.type_defs import (
        SendMessageBatchRequestEntryTypeDef,
        SendMessageRequestTypeDef,
    )

log = logging.getLogger("seatguard.queue")

MAX_VISIBILITY = 12 * 3600  # SQS's ceiling for a visibility timeout
MAX_WAIT = 20  # SQS's ceiling for long polling
AGGREGATE_KEYS = ("order_id", "session_id")  # what a FIFO message group is named after
# Fail fast when SQS is unreachable (the outbox retries); long polls need the read timeout.
CLIENT_CONFIG = Config(
    connect_timeout=5, read_timeout=MAX_WAIT + 10, retries={"max_attempts": 3, "mode": "standard"}
)


def sqs_client(*, region: str, endpoint_url: str | None = None) -> SQSClient:
    return boto3.client("sqs", region_name=region, endpoint_url=endpoint_url, config=CLIENT_CONFIG)


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
        db: Database | None = None,
        clock: Clock = system_clock,
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
        self.outbox = (
            Outbox(db, destination=queue_url, transport=self._send_batch, clock=clock)
            if db is not None
            else None
        )

    @property
    def visibility_timeout(self) -> float:
        return float(self._visibility)

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
        text = json.dumps(body, separators=(",", ":"))
        group = message_group(body, default=self._group) if self.fifo else None
        if self.outbox is None:  # no database: straight to SQS (tools and tests only)
            if session is not None:
                raise ValueError("a transactional send needs the queue's database (the outbox)")
            self._send_now(text, group=group, dedupe_key=dedupe_key, delay_seconds=delay_seconds)
            return
        if session is not None:
            self._add(session, text, group=group, dedupe_key=dedupe_key, delay=delay_seconds)
            return
        with self.outbox.database.unit_of_work() as own:
            self._add(own, text, group=group, dedupe_key=dedupe_key, delay=delay_seconds)

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

    def extend(self, message: Message) -> None:
        """Keep ``message`` hidden for another visibility timeout (a long handler's heartbeat)."""
        self._client.change_message_visibility(
            QueueUrl=self.queue_url,
            ReceiptHandle=message.receipt,
            VisibilityTimeout=self._visibility,
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

    def dead_jobs(self, *, limit: int = 100) -> list[DeadJob]:
        """The messages in the dead-letter queue (read, and left there)."""
        dlq = self.dead_letter_queue_url()
        return sqs_dead.peek(self._client, dlq, limit=limit) if dlq else []

    def redrive_dead(self, ids: list[str] | None = None) -> int:
        """Move dead messages (all, or those ``ids``) back to this queue; returns how many."""
        dlq = self.dead_letter_queue_url()
        if dlq is None:
            return 0
        return sqs_dead.move_back(self._client, dlq, self._send_redriven, ids=ids)

    def _add(
        self,
        session: Session,
        text: str,
        *,
        group: str | None,
        dedupe_key: str | None,
        delay: float,
    ) -> None:
        assert self.outbox is not None
        self.outbox.add(
            session, body=text, group_id=group, dedupe_key=dedupe_key, delay_seconds=delay
        )

    def _send_now(
        self, text: str, *, group: str | None, dedupe_key: str | None, delay_seconds: float = 0
    ) -> None:
        request: SendMessageRequestTypeDef = {"QueueUrl": self.queue_url, "MessageBody": text}
        if self.fifo:  # FIFO queues take no per-message delay
            request["MessageGroupId"] = group or self._group
            request["MessageDeduplicationId"] = _dedupe_id(dedupe_key or _digest(text))
        elif delay_seconds > 0:
            request["DelaySeconds"] = min(900, round(delay_seconds))
        self._client.send_message(**request)

    def _send_redriven(self, message_id: str, text: str) -> None:
        group = message_group(decode_body(text), default=self._group) if self.fifo else None
        self._send_now(text, group=group, dedupe_key=f"redrive:{message_id}")

    def _send_batch(self, envelopes: Sequence[Envelope]) -> dict[str, str]:
        entries: list[SendMessageBatchRequestEntryTypeDef] = []
        for e in envelopes:
            entry: SendMessageBatchRequestEntryTypeDef = {"Id": e.id, "MessageBody": e.body}
            if self.fifo:
                entry["MessageGroupId"] = e.group_id or self._group
                entry["MessageDeduplicationId"] = _dedupe_id(e.dedupe_key or e.id)
            entries.append(entry)
        answer = self._client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        return {f["Id"]: f"{f['Code']}: {f.get('Message', '')}" for f in answer.get("Failed", [])}

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


def message_group(body: dict[str, Any], *, default: str) -> str:
    """The FIFO message group: the message's aggregate, so ordering (and blocking) is per order."""
    for key in AGGREGATE_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value:
            return _dedupe_id(f"{key.removesuffix('_id')}:{value}")
    return default


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


def _dedupe_id(key: str) -> str:
    """SQS takes up to 128 characters for deduplication and group ids; longer keys are hashed."""
    return key if len(key) <= 128 else _digest(key)
