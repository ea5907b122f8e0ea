"""Holds, hot seat and naive: HTTP load on a real ``seatguard booking`` process."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from bench.lean import lean_args
from bench.load import Client, Recorder, run_burst
from bench.serving import serve_and_load, under
from bench.stats import Run, latencies_ms
from bench.world import World, audit, make_event
from seatguard.booking.models import Seat

HOLD = "/api/v1/seats/lock"


@dataclass(frozen=True, slots=True, kw_only=True)
class Load:
    connections: int
    requests: int  # hold attempts at most
    duration: float  # seconds at most


@dataclass(frozen=True, slots=True)
class Grid:
    """Runs of one scenario: every database × server workers × connections, in that order."""

    dbs: list[str]
    connections: list[int]
    workers: list[int]
    duration: float  # seconds at most, per run
    requests: int  # at most, per run

    def cells(self) -> Iterator[tuple[str, int, Load]]:
        """(database, workers, load) of each run."""
        for db in self.dbs:
            for workers in self.workers:
                for connections in self.connections:
                    load = Load(
                        connections=connections, requests=self.requests, duration=self.duration
                    )
                    yield db, workers, load


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

    served = serve_and_load(world, under(load, op), workers=workers, connections=load.connections)
    return served.run(
        "holds",
        unit="holds/s",
        counted=len(latencies_ms(served.samples, label="hold", status=200)),
        latencies=latencies_ms(served.samples, label="hold"),
        oversold=audit(world).oversold,
        extra={
            "requests_per_s": served.per_second(len(served.samples)),
            **served.cpu_per_request(),
        },
    )


def hot_seat(
    world: World, *, attempts: int, hot: int, workers: int, implementation: str = "seatguard"
) -> Run:
    """``attempts`` users at once, each after one of ``hot`` seats: one winner per seat.

    ``implementation`` is "seatguard" (``seatguard booking``) or "lean" (``bench.lean_app``,
    PostgreSQL only): the same burst, the same 409 for every loser.
    """
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

    served = serve_and_load(
        world,
        lambda base: run_burst(base, op, attempts=attempts),
        workers=workers,
        connections=attempts,
        args=lean_args(workers) if implementation == "lean" else None,
    )
    winners = Counter(s.key.split("|")[0] for s in served.samples if s.status == 200)
    winner_of = {
        s.key.split("|")[0]: s.key.split("|")[1] for s in served.samples if s.status == 200
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
    return served.run(
        "hot-seat",
        unit="attempts/s",
        counted=len(served.samples),
        latencies=latencies_ms(served.samples, status=409),
        oversold=sum(max(0, n - 1) for n in winners.values()) + audit(world).oversold,
        extra={
            **served.cpu_per_request(),
            "implementation": implementation,
            "hot_seats": hot,
            "winners_per_seat": [winners.get(s, 0) for s in seat_ids],
            "one_winner_each": all(winners.get(s, 0) == 1 for s in seat_ids),
            "database_agrees": agrees,
        },
    )


def burst_floor(world: World, *, attempts: int, workers: int) -> Run:
    """The hot seat's burst answered 404 by the lean server, no token read, no database: what
    opening ``attempts`` connections at once and answering them costs whatever the hold does."""

    async def op(client: Client, rec: Recorder, _slot: int, _turn: int) -> None:
        await rec.call(client, "floor", "POST", "/not-a-route", json={"seatIds": ["-"]})

    served = serve_and_load(
        world,
        lambda base: run_burst(base, op, attempts=attempts),
        workers=workers,
        connections=attempts,
        args=lean_args(workers),
    )
    return served.run(
        "burst-floor",
        unit="attempts/s",
        counted=len(served.samples),
        latencies=latencies_ms(served.samples),
        oversold=0,
        extra={**served.cpu_per_request(), "implementation": "lean"},
    )


def naive(world: World, *, load: Load, workers: int, implementation: str, per_seat: int = 8) -> Run:
    """Consecutive attempts race for the same seat, ``per_seat`` users each: count grants.

    ``implementation`` is "naive" (read-then-write, served by ``bench.naive_app``)
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

    served = serve_and_load(
        world,
        under(load, op),
        workers=workers,
        connections=load.connections,
        args=["bench.naive_app", "--workers", str(workers)] if is_naive else None,
    )
    grants = Counter(s.key for s in served.samples if s.status == 200)
    double = sum(max(0, n - 1) for n in grants.values())
    return served.run(
        "naive",
        unit="attempts/s",
        counted=len(served.samples),
        latencies=latencies_ms(served.samples),
        oversold=double,
        extra={
            **served.cpu_per_request(),
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

    served = serve_and_load(world, under(load, op), workers=workers, connections=load.connections)
    return served.run(
        "http-floor",
        unit="req/s",
        counted=sum(1 for s in served.samples if s.status == 200),
        latencies=latencies_ms(served.samples),
        oversold=0,
        extra=served.cpu_per_request(),
    )
