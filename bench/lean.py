"""SeatGuard beside the lean baseline, both loaded by ``wrk``: hold rate and ``GET /health`` rate.

The same wrk script, the same database and the same ``seats`` table for both servers; each run
holds seats of a fresh 10,000-seat event, each request the next seat of its thread's share, for
one of 2,000 users (so no user comes near the per-event cap, and a seat met again is the same
user's: every hold should answer 200 and write the row again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import probe
from bench.profile import profiled
from bench.server import RssSampler, spawn
from bench.serving import booking_args
from bench.stats import Run
from bench.world import World, audit, make_event
from bench.wrk import WrkResult, run_wrk

IMPLEMENTATIONS = ("seatguard", "lean")
USERS = 2_000
PROBES: dict[str, Path] = {}  # "dir" → where SeatGuard's servers write what they saw (--probe)


def lean_args(workers: int) -> list[str]:
    return ["bench.lean_app", "--workers", str(workers)]


@dataclass(frozen=True, slots=True)
class WrkCell:
    """One wrk run: database, server implementation and processes, connections, seconds."""

    db: str
    implementation: str
    workers: int
    connections: int
    duration: float


def _hold_data(world: World, seats: int) -> Path:
    seat_ids = make_event(world, seats=seats)
    tokens = [
        world.headers(f"wrk-user-{u}")["Authorization"].split(" ", 1)[1] for u in range(USERS)
    ]
    path = world.workdir / f"wrk-holds-{seat_ids[0]}.txt"
    path.write_text("".join(f"{s} {tokens[i % USERS]}\n" for i, s in enumerate(seat_ids)))
    return path


def _probe_dir(world: World, cell: WrkCell, *, holds: bool) -> Path | None:
    root = PROBES.get("dir")
    if root is None or cell.implementation == "lean":
        return None
    name = f"{'holds' if holds else 'health'}-{world.kind}-{cell.workers}w-{cell.connections}c"
    return root / f"{name}-{world.workdir.name}"


def _serve_wrk(
    world: World, cell: WrkCell, *, hold_data: Path | None
) -> tuple[WrkResult, RssSampler, list[dict[str, object]]]:
    lean = cell.implementation == "lean"
    args = lean_args(cell.workers) if lean else booking_args(cell.workers)
    log = world.workdir / f"server-{cell.implementation}.log"
    probes = _probe_dir(world, cell, holds=hold_data is not None)
    env = world.server_env(**(probe.env(probes) if probes else {}))
    with spawn(args, env=env, log_path=log) as server:
        sampler = RssSampler([server.pid])
        sampler.start()
        try:
            with profiled(server.pid, f"{cell.implementation}-{world.workdir.name}"):
                result = run_wrk(
                    server.base_url + ("/" if hold_data else "/health"),
                    connections=cell.connections,
                    duration=cell.duration,
                    workdir=world.workdir,
                    hold_data=hold_data,
                )
        finally:
            sampler.stop()
    return result, sampler, probe.read(probes) if probes else []


def _row(
    world: World,
    cell: WrkCell,
    scenario: str,
    unit: str,
    result: WrkResult,
    sampler: RssSampler,
    oversold: int,
    probed: list[dict[str, object]],
) -> Run:
    return Run(
        scenario=scenario,
        db=world.kind,
        workers=cell.workers,
        connections=cell.connections,
        requests=result.requests,
        elapsed_s=round(result.elapsed, 3),
        throughput=result.count(200) / result.elapsed if result.elapsed else 0.0,
        unit=unit,
        p50_ms=result.p50_ms,
        p95_ms=result.p95_ms,
        p99_ms=result.p99_ms,
        statuses=result.answers(),
        oversold=oversold,
        rss_mb=sampler.peak_mb,
        extra={
            "implementation": cell.implementation,
            "driver": "wrk",
            "requests_per_s": round(result.rate, 1),
            "server_cpu_s": round(sampler.cpu_s, 2),
            "server_cpu_ms_per_request": round(sampler.cpu_s * 1000 / max(1, result.requests), 3),
            **({"probe": probed} if probed else {}),
        },
    )


def hold_rate(world: World, cell: WrkCell, *, seats: int = 10_000) -> Run:
    """wrk POSTs holds of rotating seats to one server: holds/s (the 200s) and their latency."""
    data = _hold_data(world, seats)
    result, sampler, probed = _serve_wrk(world, cell, hold_data=data)
    oversold = audit(world).oversold
    return _row(world, cell, "hold-rate", "holds/s", result, sampler, oversold, probed)


def health_rate(world: World, cell: WrkCell) -> Run:
    """wrk GETs ``/health`` (one database round trip on both servers)."""
    result, sampler, probed = _serve_wrk(world, cell, hold_data=None)
    return _row(world, cell, "health-rate", "req/s", result, sampler, 0, probed)


def ratios(runs: Sequence[Run], scenario: str) -> dict[tuple[str, int, int], float]:
    """(db, workers, connections) → SeatGuard's rate over the lean baseline's in ``scenario``."""
    lean = {
        (r.db, r.workers, r.connections): r.throughput
        for r in runs
        if r.scenario == scenario and r.extra.get("implementation") == "lean"
    }
    return {
        (r.db, r.workers, r.connections): r.throughput / lean[(r.db, r.workers, r.connections)]
        for r in runs
        if r.scenario == scenario
        and r.extra.get("implementation") == "seatguard"
        and lean.get((r.db, r.workers, r.connections))
    }


def lean_of_ceiling(runs: Sequence[Run]) -> dict[tuple[int, int], float]:
    """(workers, connections) → the lean baseline's holds/s over pgbench's at that concurrency."""
    ceilings = {r.connections: r.throughput for r in runs if r.scenario == "limit"}
    return {
        (r.workers, r.connections): r.throughput / ceilings[r.connections]
        for r in runs
        if r.scenario == "hold-rate"
        and r.db == "postgresql"
        and r.extra.get("implementation") == "lean"
        and ceilings.get(r.connections)
    }
