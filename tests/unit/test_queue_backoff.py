"""Backoff delays and message body decoding."""

from __future__ import annotations

import random

import pytest

from seatguard.queue.backoff import backoff_seconds
from seatguard.queue.base import decode_body


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 1, 2), (2, 2, 4), (3, 4, 8), (9, 5, 10)])
def test_backoff_doubles_with_equal_jitter_and_a_cap(
    attempts: int, low: float, high: float
) -> None:
    rng = random.Random(1)
    delays = [backoff_seconds(attempts, base=2, cap=10, rng=rng) for _ in range(200)]
    assert low <= min(delays)
    assert max(delays) <= high
    assert len(set(delays)) > 100  # jittered, not one fixed value


def test_no_base_means_no_delay() -> None:
    assert backoff_seconds(5, base=0, cap=10) == 0


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        ('{"type":"t","n":1}', {"type": "t", "n": 1}),
        ("nope", {"type": "invalid", "raw": "nope"}),
        ('{"n":1}', {"type": "invalid", "raw": '{"n":1}'}),
        ("[1]", {"type": "invalid", "raw": "[1]"}),
    ],
)
def test_decode_body(raw: str, body: dict[str, object]) -> None:
    assert decode_body(raw) == body
