"""A scenario's server on loopback: start it, load it, and turn what it answered into a row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.load import LoadResult, Operation, Sample, run_load
from bench.profile import profiled
from bench.server import RssSampler, spawn
from bench.stats import Run, quantiles, status_counts
from bench.world import World

if TYPE_CHECKING:
    from bench.scenarios import Load


def booking_args(workers: int) -> list[str]:
    return ["seatguard", "booking", "--workers", str(workers)]


def cpu_per_request(sampler: RssSampler, result: LoadResult) -> dict[str, float]:
    """Server CPU time per request: a cost that other load on the machine barely changes."""
    count = max(1, len(result.samples))
    return {
        "server_cpu_s": round(sampler.cpu_s, 2),
        "server_cpu_ms_per_request": round(sampler.cpu_s * 1000 / count, 2),
    }


@dataclass(frozen=True, slots=True)
class Served:
    """One load on one server: its answers, and what serving them cost the server."""

    world: World
    workers: int
    connections: int
    result: LoadResult
    sampler: RssSampler

    @property
    def samples(self) -> list[Sample]:
        return self.result.samples

    def per_second(self, count: int) -> float:
        return count / self.result.elapsed if self.result.elapsed else 0.0

    def cpu_per_request(self) -> dict[str, float]:
        return cpu_per_request(self.sampler, self.result)

    def run(
        self,
        scenario: str,
        *,
        unit: str,
        counted: int,
        latencies: list[float],
        oversold: int,
        extra: dict[str, Any],
    ) -> Run:
        """The results row: ``counted`` per second is the throughput, in ``unit``."""
        p50, p95, p99 = quantiles(latencies)
        return Run(
            scenario=scenario,
            db=self.world.kind,
            workers=self.workers,
            connections=self.connections,
            requests=len(self.samples),
            elapsed_s=self.result.elapsed,
            throughput=self.per_second(counted),
            unit=unit,
            p50_ms=p50,
            p95_ms=p95,
            p99_ms=p99,
            statuses=status_counts(self.samples),
            oversold=oversold,
            rss_mb=self.sampler.peak_mb,
            extra=extra,
        )


def under(load: Load, op: Operation) -> Callable[[str], LoadResult]:
    """``op`` from ``load.connections`` loops against a base URL, within the load's caps."""

    def go(base: str) -> LoadResult:
        return run_load(
            base, op, connections=load.connections, max_ops=load.requests, duration=load.duration
        )

    return go


def serve_and_load(
    world: World,
    run: Callable[[str], LoadResult],
    *,
    workers: int,
    connections: int,
    args: list[str] | None = None,
) -> Served:
    """Start a server, run ``run(base_url)`` while sampling its memory and CPU time.

    The server is ``seatguard booking`` with ``workers`` processes unless ``args`` say otherwise.
    """
    args = args or booking_args(workers)
    with spawn(args, env=world.server_env(), log_path=world.workdir / "server.log") as server:
        sampler = RssSampler([server.pid])
        sampler.start()
        name = f"{args[1] if len(args) > 1 else args[0]}-{world.workdir.name}"
        try:
            with profiled(server.pid, name):
                result = run(server.base_url)
        finally:
            sampler.stop()
    return Served(world, workers, connections, result, sampler)
