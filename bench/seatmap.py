"""The seat map of a stadium-sized event, read as browsers read it, with and without a live sale.

One ``seatguard booking`` process, one event of ``seats`` seats. The first read (nothing kept
yet) is timed on its own; then ``wrk`` reads ``GET /api/v1/events/{id}/seats`` in three phases
of ``duration`` seconds each, every phase its own row:

- ``cached``: ``Accept-Encoding: gzip``, as a browser sends it: the kept, compressed map
  (answers counted as 2xx or not: wrk does not copy 3 MB bodies into its Lua);
- ``304``: ``If-None-Match`` with the map's ETag, as a browser revalidating its copy;
- ``live sale``: the ``cached`` read again while buyers hold seats of the event at a low rate
  (``holds_per_s``), every hold invalidating the kept map, as a live sale does.

Right after ``cached``, the same read of the floor (``FLOOR``, ``bench.map_floor``): the
leanest server answering it, with the identical gzip bytes and ETag from memory, under the
same uvicorn options. Its row is what sending the answer costs on this machine; the cached
row carries the floor's figures beside its own (``floor_*``).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from bench.server import RssSampler, spawn
from bench.serving import booking_args
from bench.stats import Run, quantiles
from bench.world import World, audit, make_event
from bench.wrk import WrkResult, run_wrk
from seatguard.booking.models import Seat

GZIP = "Accept-Encoding: gzip"
FLOOR = "cached: floor (raw ASGI, same bytes from memory)"
PHASES = ("cached", FLOOR, "304", "live sale")


@dataclass(frozen=True, slots=True, kw_only=True)
class MapLoad:
    seats: int  # in the event
    connections: int  # wrk's
    duration: float  # seconds per phase
    holds_per_s: float  # during the live-sale phase
    workers: int = 1


@dataclass
class Holder:
    """Holds seats of the event one after another at ``rate`` per second, in a thread."""

    base_url: str
    seat_ids: list[str]
    tokens: list[str]
    rate: float
    statuses: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _loop(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            start = time.monotonic()
            for i, seat in enumerate(self.seat_ids):
                if self._stop.wait(max(0.0, start + i / self.rate - time.monotonic())):
                    return
                began = time.perf_counter()
                answer = client.post(
                    "/api/v1/seats/lock",
                    json={"seatIds": [seat]},
                    headers={"Authorization": f"Bearer {self.tokens[i % len(self.tokens)]}"},
                )
                self.latencies_ms.append((time.perf_counter() - began) * 1000)
                self.statuses.append(answer.status_code)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="map-holder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=40)


def _event_of(world: World, seat_id: uuid.UUID) -> uuid.UUID:
    db = world.database()
    try:
        with db.reader() as session:
            return session.scalars(select(Seat.event_id).where(Seat.id == seat_id)).one()
    finally:
        db.dispose()


def _timed_get(url: str, headers: dict[str, str]) -> tuple[httpx.Response, float]:
    began = time.perf_counter()
    answer = httpx.get(url, headers=headers, timeout=300)
    return answer, (time.perf_counter() - began) * 1000


def _row(
    world: World, load: MapLoad, phase: str, result: WrkResult, sampler: RssSampler, **extra: Any
) -> Run:
    answered = result.count(304) if phase == "304" else result.statuses.get("2xx", 0)
    return Run(
        scenario="seat-map",
        db=world.kind,
        workers=load.workers,
        connections=load.connections,
        requests=result.requests,
        elapsed_s=round(result.elapsed, 3),
        throughput=answered / result.elapsed if result.elapsed else 0.0,
        unit="reads/s",
        p50_ms=result.p50_ms,
        p95_ms=result.p95_ms,
        p99_ms=result.p99_ms,
        statuses=result.answers(),
        oversold=0,
        rss_mb=sampler.peak_mb,
        extra={
            "phase": phase,
            "seats": load.seats,
            "driver": "wrk",
            "max_ms": result.max_ms,
            "bytes_per_read": round(result.bytes_read / max(1, result.requests)),
            "server_cpu_s": round(sampler.cpu_s, 2),
            "server_cpu_ms_per_request": round(sampler.cpu_s * 1000 / max(1, result.requests), 3),
            **extra,
        },
    )


def seat_map(world: World, load: MapLoad) -> list[Run]:
    """The first read, then the three phases: one row each (see the module's docstring)."""
    seat_ids = make_event(world, seats=load.seats)
    event_id = _event_of(world, seat_ids[0])
    path = f"/api/v1/events/{event_id}/seats"
    buyers = max(1, round(load.holds_per_s * load.duration * 2))
    tokens = [
        world.headers(f"map-user-{u}")["Authorization"].split(" ", 1)[1] for u in range(buyers)
    ]
    # spread over the event, away from the first seats a browser would see first
    targets = [str(s) for s in seat_ids[len(seat_ids) // 2 :: 7][:buyers]]
    runs: list[Run] = []
    with spawn(
        booking_args(load.workers), env=world.server_env(), log_path=world.workdir / "server.log"
    ) as server:
        whole = RssSampler([server.pid])
        whole.start()
        try:
            url = server.base_url + path
            first, first_ms = _timed_get(url, {"Accept-Encoding": "gzip"})
            if first.status_code != 200:
                raise RuntimeError(f"GET {path}: {first.status_code} {first.text[:300]}")
            plain, _ = _timed_get(url, {"Accept-Encoding": "identity"})
            _, second_ms = _timed_get(url, {"Accept-Encoding": "gzip"})
            shared = {
                "first_read_ms": round(first_ms, 1),
                "second_read_ms": round(second_ms, 1),
                "gzip_bytes": first.num_bytes_downloaded,
                "identity_bytes": plain.num_bytes_downloaded,
            }
            etag = first.headers["etag"]
            phases: list[tuple[str, list[str]]] = [
                ("cached", [GZIP]),
                ("304", [GZIP, f"If-None-Match: {etag}"]),
            ]
            for phase, headers in phases:
                sampler = RssSampler([server.pid])
                sampler.start()
                try:
                    result = _wrk(server.base_url + path, world, load, headers)
                finally:
                    sampler.stop()
                runs.append(_row(world, load, phase, result, sampler, **shared))
                if phase == "cached":
                    runs.append(_floor(world, load, url, path, shared))
                    _beside(runs[-2], runs[-1])
            holder = Holder(server.base_url, targets, tokens, load.holds_per_s)
            sampler = RssSampler([server.pid])
            sampler.start()
            holder.start()
            try:
                result = _wrk(server.base_url + path, world, load, [GZIP])
            finally:
                holder.stop()
                sampler.stop()
            runs.append(_row(world, load, "live sale", result, sampler, **shared, **_holds(holder)))
        finally:
            whole.stop()
    oversold = audit(world).oversold
    for run in runs:
        run.oversold = oversold
        if run.extra["phase"] != FLOOR:
            run.extra["peak_rss_mb_whole_run"] = round(whole.peak_mb, 1)
    return runs


def _floor(world: World, load: MapLoad, url: str, path: str, shared: dict[str, Any]) -> Run:
    """The cached read of ``path`` from ``bench.map_floor``, serving the bytes ``url`` (ours)
    answers now."""
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}, timeout=300) as answer:
        gzipped = b"".join(answer.iter_raw())
        etag = answer.headers["etag"]
    kept = world.workdir / "map-floor.bin"
    kept.write_bytes(etag.encode() + b"\n" + gzipped)
    env = {**world.server_env(), "SEATGUARD_BENCH_MAP": str(kept)}
    log = world.workdir / "server-map-floor.log"
    with spawn(["bench.map_floor"], env=env, log_path=log) as floor:
        sampler = RssSampler([floor.pid])
        sampler.start()
        try:
            result = _wrk(floor.base_url + path, world, load, [GZIP])
        finally:
            sampler.stop()
    return _row(world, load, FLOOR, result, sampler, **shared, floor_bytes=len(gzipped))


def _beside(ours: Run, floor: Run) -> None:
    """The floor's figures on our cached row, and ours over the floor's."""
    ours.extra["floor_p99_ms"] = floor.p99_ms
    ours.extra["floor_reads_per_s"] = round(floor.throughput, 1)
    ours.extra["floor_cpu_ms_per_request"] = floor.extra["server_cpu_ms_per_request"]
    ours.extra["p99_over_floor"] = round(ours.p99_ms / floor.p99_ms, 2) if floor.p99_ms else None


def _wrk(url: str, world: World, load: MapLoad, headers: list[str]) -> WrkResult:
    """The 304s are counted by status; the maps are not read into wrk's Lua (see bench.wrk)."""
    return run_wrk(
        url,
        connections=load.connections,
        duration=load.duration,
        workdir=world.workdir,
        headers=headers,
        read_bodies=any(h.startswith("If-None-Match") for h in headers),
    )


def _holds(holder: Holder) -> dict[str, Any]:
    p50, _p95, p99 = quantiles(holder.latencies_ms)
    answers: dict[str, int] = {}
    for status in holder.statuses:
        answers[str(status)] = answers.get(str(status), 0) + 1
    return {
        "holds": len(holder.statuses),
        "hold_answers": dict(sorted(answers.items())),
        "holds_per_s_asked": holder.rate,
        "hold_p50_ms": round(p50, 1),
        "hold_p99_ms": round(p99, 1),
    }
