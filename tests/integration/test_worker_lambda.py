"""The Lambda handler fed with records read from a real SQS endpoint, settled as Lambda does."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from mypy_boto3_sqs import SQSClient

from seatguard.queue.sqs_queue import SqsQueue, ensure_queues, sqs_client
from seatguard.worker.lambda_handler import make_handler
from tests.support.moto import REGION


def poll_event(sqs: SQSClient, queue_url: str) -> dict[str, Any]:
    """What the SQS event source mapping hands to the function."""
    answer = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        VisibilityTimeout=1,
        MessageSystemAttributeNames=["All"],
    )
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn["Attributes"]["QueueArn"],
                "awsRegion": REGION,
            }
            for m in answer.get("Messages", [])
        ]
    }


def settle(sqs: SQSClient, queue_url: str, event: dict[str, Any], answer: dict[str, Any]) -> None:
    """Lambda deletes every record not listed in ``batchItemFailures``."""
    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    for record in event["Records"]:
        if record["messageId"] not in failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])


def test_partial_batch_failures_are_redelivered_then_dead_lettered(sqs_endpoint: str) -> None:
    sqs = sqs_client(region=REGION, endpoint_url=sqs_endpoint)
    url, _dlq = ensure_queues(
        f"sg-lambda-{uuid.uuid4().hex[:10]}",
        region=REGION,
        endpoint_url=sqs_endpoint,
        max_receive_count=2,
    )
    queue = SqsQueue(url, region=REGION, endpoint_url=sqs_endpoint)
    for order in ("o-1", "poison", "o-3"):
        queue.send({"type": "order.paid", "orderId": order})
    handled: list[str] = []
    attempts: list[int] = []

    def fulfil(body: dict[str, Any]) -> None:
        if body["orderId"] == "poison":
            raise RuntimeError("cannot fulfil")
        handled.append(body["orderId"])

    handler = make_handler({"order.paid": fulfil})
    deadline = time.monotonic() + 20
    while queue.depth()["dead"] == 0 and time.monotonic() < deadline:
        event = poll_event(sqs, url)
        if not event["Records"]:
            continue
        answer = handler(event, None)
        bodies = {r["messageId"]: json.loads(r["body"]) for r in event["Records"]}
        for failure in answer["batchItemFailures"]:
            assert bodies[failure["itemIdentifier"]]["orderId"] == "poison"
        attempts += [
            int(r["attributes"]["ApproximateReceiveCount"])
            for r in event["Records"]
            if bodies[r["messageId"]]["orderId"] == "poison"
        ]
        settle(sqs, url, event, answer)

    assert sorted(handled) == ["o-1", "o-3"]
    assert attempts == [1, 2]
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 1}
