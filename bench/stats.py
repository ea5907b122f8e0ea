"""What one benchmark run measured, and the arithmetic on its samples."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.load import Sample


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def status_counts(samples: Iterable[Sample]) -> dict[str, int]:
    """Answers by status ("200", "409", …; transport failures by exception name)."""
    counts = Counter(str(s.status) if s.status else s.error or "error" for s in samples)
    return dict(sorted(counts.items()))


@dataclass
class Run:
    """One row of the results table."""

    scenario: str
    db: str
    workers: int
    connections: int
    requests: int
    elapsed_s: float
    throughput: float  # the scenario's unit per second (holds/s, tickets/s …)
    unit: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]
    oversold: int
    rss_mb: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> dict[str, int]:
        """Answers other than 2xx and 409 (the expected "taken")."""
        return {k: v for k, v in self.statuses.items() if not (k.startswith("2") or k == "409")}

    @property
    def server_errors(self) -> int:
        return sum(v for k, v in self.statuses.items() if k.startswith("5") or not k.isdigit())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        return cls(**data)


def latencies_ms(
    samples: Iterable[Sample], *, label: str | None = None, status: int | None = None
) -> list[float]:
    return [
        s.latency * 1000
        for s in samples
        if (label is None or s.label == label) and (status is None or s.status == status)
    ]


def quantiles(values: Sequence[float]) -> tuple[float, float, float]:
    return percentile(values, 50), percentile(values, 95), percentile(values, 99)
