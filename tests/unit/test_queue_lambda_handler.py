"""The Lambda entry point with SQS event payloads shaped as AWS delivers them."""

from __future__ import annotations

import json
from typing import Any

from seatguard.worker.lambda_handler import make_handler


def sqs_record(message_id: str, body: str, *, receive_count: int = 1) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB{message_id}Lx0=",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:seatguard",
        "awsRegion": "us-east-1",
    }


def test_reports_only_the_failed_records() -> None:
    handled: list[dict[str, Any]] = []

    def fulfil(body: dict[str, Any]) -> None:
        if body["orderId"] == "bad":
            raise RuntimeError("gateway down")
        handled.append(body)

    handler = make_handler({"order.paid": fulfil})
    event = {
        "Records": [
            sqs_record("m-1", json.dumps({"type": "order.paid", "orderId": "o-1"})),
            sqs_record(
                "m-2", json.dumps({"type": "order.paid", "orderId": "bad"}), receive_count=2
            ),
            sqs_record("m-3", json.dumps({"type": "order.paid", "orderId": "o-3"})),
        ]
    }

    answer = handler(event, None)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert [b["orderId"] for b in handled] == ["o-1", "o-3"]


def test_malformed_bodies_and_unknown_types_are_reported_failed() -> None:
    handler = make_handler({"known": lambda body: None})
    event = {
        "Records": [
            sqs_record("m-1", "{not json"),
            sqs_record("m-2", json.dumps(["a", "list"])),
            sqs_record("m-3", json.dumps({"type": "unknown"})),
            sqs_record("m-4", json.dumps({"type": "known"})),
        ]
    }

    answer = handler(event, None)

    assert answer["batchItemFailures"] == [
        {"itemIdentifier": "m-1"},
        {"itemIdentifier": "m-2"},
        {"itemIdentifier": "m-3"},
    ]


def test_an_empty_batch_reports_nothing() -> None:
    assert make_handler({})({"Records": []}, None) == {"batchItemFailures": []}
