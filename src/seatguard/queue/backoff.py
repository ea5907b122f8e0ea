"""Exponential backoff with jitter, shared by every queue adapter."""

from __future__ import annotations

import random


def backoff_seconds(
    attempts: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Delay before delivery number ``attempts + 1``: ``base·2^(attempts-1)``, capped, jittered.

    "Equal jitter": half the delay is fixed, the other half random, so retries of many
    messages that failed together spread out but never come back sooner than half the delay.
    """
    if base <= 0:
        return 0.0
    delay = min(cap, base * 2.0 ** max(0, attempts - 1))
    draw = (rng or _rng).random()
    return delay / 2 + draw * delay / 2


_rng = random.Random()  # noqa: S311 - jitter, not security
