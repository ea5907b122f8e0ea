"""Prometheus metrics: HTTP traffic, holds, sales, fulfilment failures and the queue.

Counters and histograms live in the process's default registry. With several uvicorn worker
processes, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory before start: every process
then writes its samples there and ``/metrics`` adds them up across processes. Queue depth and
the dead-letter count are read from the queue at scrape time, not kept as process state.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import Scope

from seatguard.common.errors import AppError

log = logging.getLogger("seatguard.metrics")
access_log = logging.getLogger("seatguard.access")
QUIET_ROUTES = frozenset({"/health", "/api/v1/health", "/ready", "/metrics"})  # probes: DEBUG

HTTP_REQUESTS = Counter(
    "seatguard_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "seatguard_http_request_duration_seconds",
    "Time from request to the end of the response, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HOLDS = Counter("seatguard_holds", "Hold requests, by outcome (taken or refused).", ["outcome"])
HOLD_BATCHES = Histogram(
    "seatguard_hold_batch_size",
    "Holds taken together in one statement and one transaction (PostgreSQL).",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
SEATS_SOLD = Counter("seatguard_seats_sold", "Seats sold by fulfilled payments.")
ORDERS = Counter(
    "seatguard_orders",
    "Orders settled by the worker, by outcome (completed, refunded).",
    ["outcome"],
)
FULFILMENT_FAILURES = Counter(
    "seatguard_fulfilment_failures", "Fulfilment attempts that raised (the message is retried)."
)
# Operator alerts: each of these should page someone (see docs/operations.md).
FULFILMENT_GAVE_UP = Counter(
    "seatguard_fulfilment_gave_up",
    "Paid orders that could not be fulfilled and were refunded instead, by reason.",
    ["reason"],
)
REFUND_FAILURES = Counter(
    "seatguard_refund_failures",
    "Refunds the gateway refused or failed (retried by the sweeper until they succeed).",
)
DISPUTES = Counter("seatguard_disputes", "Disputes (chargebacks) opened by buyers' banks.")

UNMATCHED = "<unmatched>"


def route_template(scope: Scope) -> str:
    """The matched route's template (``/api/v1/events/{event_id}``), never the raw path.

    Rebuilt from the full path and the matched parameters, so router prefixes and mounts
    are included; a request that matched no route is counted as ``<unmatched>``.
    """
    if scope.get("endpoint") is None and scope.get("route") is None:
        return UNMATCHED
    path = str(scope.get("path", ""))
    names = {str(value): name for name, value in (scope.get("path_params") or {}).items()}
    if not names:
        return path
    return "/".join(f"{{{names[part]}}}" if part in names else part for part in path.split("/"))


# Each (method, route, status)'s counter and (method, route)'s histogram, kept once looked up:
# ``labels()`` takes a lock and builds its key on every call. Bounded, since methods come from
# callers; past the bound children are looked up each time, as before.
_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_CHILDREN_MAX = 2_000


def record_request(method: str, route: str, status: int, elapsed: float, path: str) -> None:
    """Count one answered HTTP request, time it and write its access log line."""
    key = (method, route, status)
    children = _CHILDREN.get(key)
    if children is None:
        children = (
            HTTP_REQUESTS.labels(method, route, str(status)),
            HTTP_LATENCY.labels(method, route),
        )
        if len(_CHILDREN) < _CHILDREN_MAX:
            _CHILDREN[key] = children
    children[0].inc()
    children[1].observe(elapsed)
    level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
    if access_log.isEnabledFor(level):
        access_log.log(
            level,
            "%s %s %d %.1fms",
            method,
            path,
            status,
            elapsed * 1000,
            extra={"route": route, "status": status, "duration_ms": round(elapsed * 1000, 1)},
        )


@contextmanager
def counting_holds() -> Iterator[None]:
    """Count the hold attempt in the block: refused when it raises an application error."""
    try:
        yield
    except AppError:
        HOLDS.labels("refused").inc()
        raise
    HOLDS.labels("taken").inc()


def record_fulfilment(*, outcome: str, seats: int) -> None:
    """Count a worker's fulfilment result (``completed`` sells ``seats`` seats)."""
    if outcome == "completed":
        ORDERS.labels("completed").inc()
        SEATS_SOLD.inc(seats)
    elif outcome == "refunded":
        ORDERS.labels("refunded").inc()


class QueueCollector(Collector):
    """Queue depth by state and the dead-letter count, asked of the queue at each scrape."""

    def __init__(self, queue: object) -> None:
        self.queue = queue

    def collect(self) -> Iterable[GaugeMetricFamily]:
        up = GaugeMetricFamily("seatguard_queue_up", "1 when the queue answered this scrape.")
        try:
            depth: dict[str, int] = self.queue.depth()  # type: ignore[attr-defined]
        except Exception:  # a scrape must not fail because the queue is down
            log.warning("queue depth unavailable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        gauge = GaugeMetricFamily(
            "seatguard_queue_depth", "Messages in the work queue, by state.", labels=["state"]
        )
        for state, count in depth.items():
            if state != "dead":
                gauge.add_metric([state], count)
        yield gauge
        yield GaugeMetricFamily(
            "seatguard_queue_dead_letters",
            "Messages in the dead-letter queue (each needs a look).",
            value=depth.get("dead", 0),
        )


def exposition(queue: object | None) -> bytes:
    """The Prometheus text for this process (or all of them, in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if queue is not None:
        scrape = CollectorRegistry()
        scrape.register(QueueCollector(queue))
        text += generate_latest(scrape)
    return text


def reset_multiprocess_metrics() -> None:
    """Empty ``PROMETHEUS_MULTIPROC_DIR`` before the worker processes start (stale samples
    from an earlier run would otherwise be added to this one's)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))
