"""Holds, hot seat and naive: HTTP load on a real ``seatguard booking`` process."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from seatguard.bench.load import Client, LoadResult, Recorder, run_burst, run_load
from seatguard.bench.profile import profiled
from seatguard.bench.server import RssSampler, spawn
from seatguard.bench.stats import Run, latencies_ms, quantiles, status_counts
from seatguard.bench.world import World, audit, make_event
from seatguard.booking.models import Seat

HOLD = "/api/v1/seats/lock"


@dataclass(frozen=True, slots=True, kw_only=True)
class Load:
    connections: int
    requests: int  # hold attempts at most
    duration: float  # seconds at most


def booking_args(workers: int) -> list[str]:
    return ["seatguard", "booking", "--workers", str(workers)]


def _serve_and_load(world: World, args: list[str], run: object) -> tuple[LoadResult, RssSampler]:
    """Start the server, run ``run(base_url)`` while sampling its memory and CPU time."""
    with spawn(args, env=world.server_env(), log_path=world.workdir / "server.log") as server:
        sampler = RssSampler([server.pid])
        sampler.start()
        name = f"{args[1] if len(args) > 1 else args[0]}-{world.workdir.name}"
        try:
            with profiled(server.pid, name):
                result: LoadResult = run(server.base_url)  # type: ignore[operator]
        finally:
            sampler.stop()
    return result, sampler


def cpu_per_request(sampler: RssSampler, result: LoadResult) -> dict[str, float]:
    """Server CPU time per request: a cost that other load on the machine barely changes."""
    count = max(1, len(result.samples))
    return {
        "server_cpu_s": round(sampler.cpu_s, 2),
        "server_cpu_ms_per_request": round(sampler.cpu_s * 1000 / count, 2),
    }


def holds(world: World, *, load: Load, workers: int, seats: int = 10_000) -> Run:
    """Each connection is one user holding, then releasing, its own seats in turn."""
    seat_ids = make_event(world, seats=seats)
    lanes = [seat_ids[slot :: load.connections] for slot in range(load.connections)]
    headers = [world.headers(f"bench-user-{slot}") for slot in range(load.connections)]

    async def op(client: Client, rec: Recorder, slot: int, turn: int) -> None:
        lane = lanes[slot]
        seat = str(lane[turn % len(lane)])
        answer = await rec.call(
            client, "hold", "POST", HOLD, json={"seatIds": [seat]}, headers=headers[slot], key=seat
        )
        if answer is not None and answer.status_code == 200:
            await rec.call(client, "release", "DELETE", f"{HOLD}/{seat}", headers=headers[slot])

    def go(base: str) -> LoadResult:
        return run_load(
            base, op, connections=load.connections, max_ops=load.requests, duration=load.duration
        )

    result, sampler = _serve_and_load(world, booking_args(workers), go)
    held = latencies_ms(result.samples, label="hold", status=200)
    p50, p95, p99 = quantiles(latencies_ms(result.samples, label="hold"))
    return Run(
        scenario="holds",
        db=world.kind,
        workers=workers,
        connections=load.connections,
        requests=len(result.samples),
        elapsed_s=result.elapsed,
        throughput=len(held) / result.elapsed if result.elapsed else 0.0,
        unit="holds/s",
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        statuses=status_counts(result.samples),
        oversold=audit(world).oversold,
        rss_mb=sampler.peak_mb,
        extra={
            "requests_per_s": len(result.samples) / result.elapsed if result.elapsed else 0,
            **cpu_per_request(sampler, result),
        },
    )


def hot_seat(world: World, *, attempts: int, hot: int, workers: int) -> Run:
    """``attempts`` users at once, each after one of ``hot`` seats: one winner per seat."""
    seat_ids = [str(s) for s in make_event(world, seats=max(hot, 10))[:hot]]
    users = [f"hot-user-{i}" for i in range(attempts)]
    headers = [world.headers(u) for u in users]

    async def op(client: Client, rec: Recorder, slot: int, _turn: int) -> None:
        seat = seat_ids[slot % hot]
        await rec.call(
            client,
            "hold",
            "POST",
            HOLD,
            json={"seatIds": [seat]},
            headers=headers[slot],
            key=f"{seat}|{users[slot]}",
        )

    result, sampler = _serve_and_load(
        world, booking_args(workers), lambda base: run_burst(base, op, attempts=attempts)
    )
    winners = Counter(s.key.split("|")[0] for s in result.samples if s.status == 200)
    winner_of = {
        s.key.split("|")[0]: s.key.split("|")[1] for s in result.samples if s.status == 200
    }
    db = world.database()
    try:
        with db.reader() as session:
            rows = session.execute(
                select(Seat.id, Seat.held_by).where(Seat.id.in_([uuid.UUID(s) for s in seat_ids]))
            ).all()
            holders = {r.id: r.held_by for r in rows}
    finally:
        db.dispose()
    agrees = all(holders.get(uuid.UUID(s)) == winner_of.get(s) for s in seat_ids)
    p50, p95, p99 = quantiles(latencies_ms(result.samples, status=409))
    return Run(
        scenario="hot-seat",
        db=world.kind,
        workers=workers,
        connections=attempts,
        requests=len(result.samples),
        elapsed_s=result.elapsed,
        throughput=len(result.samples) / result.elapsed if result.elapsed else 0.0,
        unit="attempts/s",
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        statuses=status_counts(result.samples),
        oversold=sum(max(0, n - 1) for n in winners.values()) + audit(world).oversold,
        rss_mb=sampler.peak_mb,
        extra={
            **cpu_per_request(sampler, result),
            "hot_seats": hot,
            "winners_per_seat": [winners.get(s, 0) for s in seat_ids],
            "one_winner_each": all(winners.get(s, 0) == 1 for s in seat_ids),
            "database_agrees": agrees,
        },
    )


def naive(world: World, *, load: Load, workers: int, implementation: str, per_seat: int = 8) -> Run:
    """Consecutive attempts race for the same seat, ``per_seat`` users each: count grants.

    ``implementation`` is "naive" (read-then-write, served by ``seatguard.bench.naive_app``)
    or "seatguard" (the real hold endpoint); the load is the same.
    """
    seats_needed = max(1, load.requests // per_seat + 1)
    seat_ids = [str(s) for s in make_event(world, seats=seats_needed)]
    counter = iter(range(load.requests))
    is_naive = implementation == "naive"
    headers = {} if is_naive else {i: world.headers(f"race-{i}") for i in range(load.requests)}

    async def op(client: Client, rec: Recorder, _slot: int, _turn: int) -> None:
        i = next(counter, None)
        if i is None:
            return
        seat = seat_ids[i // per_seat]
        if is_naive:
            await rec.call(
                client,
                "hold",
                "POST",
                f"/naive/hold/{seat}",
                headers={"X-User": f"race-{i}"},
                key=seat,
            )
        else:
            await rec.call(
                client, "hold", "POST", HOLD, json={"seatIds": [seat]}, headers=headers[i], key=seat
            )

    args = (
        ["seatguard.bench.naive_app", "--workers", str(workers)]
        if is_naive
        else booking_args(workers)
    )

    def go(base: str) -> LoadResult:
        return run_load(
            base, op, connections=load.connections, max_ops=load.requests, duration=load.duration
        )

    result, sampler = _serve_and_load(world, args, go)
    grants = Counter(s.key for s in result.samples if s.status == 200)
    double = sum(max(0, n - 1) for n in grants.values())
    p50, p95, p99 = quantiles(latencies_ms(result.samples))
    return Run(
        scenario="naive",
        db=world.kind,
        workers=workers,
        connections=load.connections,
        requests=len(result.samples),
        elapsed_s=result.elapsed,
        throughput=len(result.samples) / result.elapsed if result.elapsed else 0.0,
        unit="attempts/s",
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        statuses=status_counts(result.samples),
        oversold=double,
        rss_mb=sampler.peak_mb,
        extra={
            **cpu_per_request(sampler, result),
            "implementation": implementation,
            "double_grants": double,
            "seats_contended": len(grants),
            "seats_double_sold": sum(1 for n in grants.values() if n > 1),
            "attempts_per_seat": per_seat,
        },
    )


def http_floor(world: World, *, load: Load, workers: int) -> Run:
    """``GET /health`` (one database round trip) under the same load: the stack's own ceiling."""

    async def op(client: Client, rec: Recorder, _slot: int, _turn: int) -> None:
        await rec.call(client, "health", "GET", "/health")

    def go(base: str) -> LoadResult:
        return run_load(
            base, op, connections=load.connections, max_ops=load.requests, duration=load.duration
        )

    result, sampler = _serve_and_load(world, booking_args(workers), go)
    ok = [s for s in result.samples if s.status == 200]
    p50, p95, p99 = quantiles(latencies_ms(result.samples))
    return Run(
        scenario="http-floor",
        db=world.kind,
        workers=workers,
        connections=load.connections,
        requests=len(result.samples),
        elapsed_s=result.elapsed,
        throughput=len(ok) / result.elapsed if result.elapsed else 0.0,
        unit="req/s",
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        statuses=status_counts(result.samples),
        oversold=0,
        rss_mb=sampler.peak_mb,
        extra=cpu_per_request(sampler, result),
    )
