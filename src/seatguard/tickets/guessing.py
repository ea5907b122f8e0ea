"""Short-code guessing is throttled per staff user, so enumerating codes is pointless.

A token bucket per user: ``burst`` unknown short codes may come at once, then one more per
``1 / rate`` seconds. While a user's bucket is empty their short-code check-ins get 429 with
``Retry-After`` before any lookup. Only unknown short codes spend tokens: typos of the shape
(422), used tickets and tickets of another event are not guesses. The buckets live in the
process; with N replicas a user gets at most N times the rate, which against 2**60 codes
is still no way in.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime

from seatguard.common.errors import AppError

MAX_USERS = 10_000  # buckets kept; the fullest (least recent) are dropped first


class TooManyGuesses(AppError):
    status_code = 429
    code = "too_many_short_code_failures"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many unknown short codes; try again in {retry_after} seconds.",
            details={"retryAfter": retry_after},
        )
        self.retry_after = retry_after


@dataclass
class GuessLimiter:
    rate: float  # failures refilled per second
    burst: int  # failures allowed at once
    _buckets: dict[str, tuple[float, datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _tokens(self, user_id: str, now: datetime) -> float:
        tokens, at = self._buckets.get(user_id, (float(self.burst), now))
        elapsed = max(0.0, (now - at).total_seconds())
        return min(float(self.burst), tokens + elapsed * self.rate)

    def ensure_allowed(self, user_id: str, now: datetime) -> None:
        """Raise ``TooManyGuesses`` while the user has no failure left to spend."""
        with self._lock:
            tokens = self._tokens(user_id, now)
        if tokens < 1:
            raise TooManyGuesses(max(1, math.ceil((1 - tokens) / self.rate)))

    def record_failure(self, user_id: str, now: datetime) -> None:
        with self._lock:
            self._buckets[user_id] = (self._tokens(user_id, now) - 1, now)
            if len(self._buckets) > MAX_USERS:
                oldest = min(self._buckets, key=lambda key: self._buckets[key][1])
                del self._buckets[oldest]
