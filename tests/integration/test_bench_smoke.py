"""The benchmark harness at smoke sizes: every scenario runs, nothing oversells, reports render.

Each scenario starts its own server processes on loopback (and the harness its own PostgreSQL
cluster), exactly as ``seatguard bench`` does, with a few hundred requests and second-long caps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.cli import run_lean
from bench.flash import Sale, flash_sale
from bench.lean import PROBES, lean_of_ceiling, ratios
from bench.limit import limit
from bench.markdown import render
from bench.pdf import pdf_cost
from bench.pg import find_pgbench
from bench.plots import write_plots
from bench.report import ceiling_ratios, verdicts
from bench.runner import BenchSession, bench_session
from bench.scenarios import Grid, Load, burst_floor, holds, hot_seat, naive
from bench.seatmap import PHASES as MAP_PHASES
from bench.seatmap import MapLoad, seat_map
from bench.stats import Run
from bench.wrk import find_wrk

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SMALL = Load(connections=8, requests=120, duration=5)
RUN_FIELDS = {
    "scenario",
    "db",
    "workers",
    "connections",
    "requests",
    "elapsed_s",
    "throughput",
    "unit",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "statuses",
    "oversold",
    "rss_mb",
    "extra",
}


@pytest.fixture(scope="module")
def bench() -> Iterator[BenchSession]:
    with bench_session() as session:
        yield session


@pytest.fixture(scope="module")
def runs() -> list[Run]:
    """Every run of this module, for the report test at the end."""
    return []


def _pg(bench: BenchSession) -> None:
    try:
        bench.require_cluster()
    except (OSError, RuntimeError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and could not start: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")


def _shape(run: Run) -> None:
    assert set(run.to_dict()) == RUN_FIELDS
    assert run.requests > 0
    assert run.elapsed_s > 0
    assert run.p50_ms <= run.p95_ms <= run.p99_ms
    assert run.rss_mb > 0
    assert sum(run.statuses.values()) == run.requests


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_holds_never_fail_and_never_oversell(bench: BenchSession, runs: list[Run], db: str) -> None:
    if db == "postgresql":
        _pg(bench)
    run = holds(bench.world(db), load=SMALL, workers=1, seats=500)
    runs.append(run)
    _shape(run)
    assert run.oversold == 0
    assert run.server_errors == 0
    assert set(run.statuses) == {"200"}  # distinct seats per user: every hold and release works
    assert run.throughput > 0
    assert run.extra["server_cpu_ms_per_request"] > 0


@pytest.mark.parametrize("implementation", ["seatguard", "lean"])
def test_hot_seat_has_exactly_one_winner_per_seat(
    bench: BenchSession, runs: list[Run], implementation: str
) -> None:
    _pg(bench)
    run = hot_seat(
        bench.world("postgresql"), attempts=100, hot=5, workers=1, implementation=implementation
    )
    runs.append(run)
    _shape(run)
    assert run.extra["implementation"] == implementation
    assert run.statuses == {"200": 5, "409": 95}  # the lean baseline's losers get 409 too
    assert run.extra["winners_per_seat"] == [1, 1, 1, 1, 1]
    assert run.extra["one_winner_each"] is True
    assert run.extra["database_agrees"] is True
    assert run.oversold == 0
    assert run.extra["server_cpu_ms_per_request"] > 0


def test_the_bursts_floor_is_answered_without_the_database(
    bench: BenchSession, runs: list[Run]
) -> None:
    _pg(bench)
    run = burst_floor(bench.world("postgresql"), attempts=100, workers=1)
    runs.append(run)
    _shape(run)
    assert run.statuses == {"404": 100}
    assert run.extra["implementation"] == "lean"
    assert run.extra["server_cpu_ms_per_request"] > 0


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_seat_map_cached_304_and_during_holds(
    bench: BenchSession, runs: list[Run], db: str
) -> None:
    if db == "postgresql":
        _pg(bench)
    if find_wrk() is None:
        if IN_CI:
            pytest.fail("wrk is required in CI (.ci/run installs it)")
        pytest.skip("wrk not installed")
    load = MapLoad(seats=1000, connections=4, duration=1, holds_per_s=5)
    got = seat_map(bench.world(db), load)
    runs.extend(got)
    assert [r.extra["phase"] for r in got] == list(MAP_PHASES)
    cached, floor, revalidated, live = got
    for run in got:
        assert run.scenario == "seat-map"
        assert run.requests > 0
        assert 0 < run.p50_ms <= run.p99_ms
        assert run.rss_mb > 0
        assert run.oversold == 0
        assert run.extra["seats"] == 1000
        assert run.extra["first_read_ms"] > 0
        assert 0 < run.extra["gzip_bytes"] < run.extra["identity_bytes"]
    assert cached.statuses == {"2xx": cached.requests}  # counted by wrk, bodies unread
    # the floor served the very bytes ours did, measured in the same run
    assert floor.statuses == {"2xx": floor.requests}
    assert floor.extra["floor_bytes"] == cached.extra["gzip_bytes"]
    assert (
        floor.extra["gzip_bytes"] < floor.extra["bytes_per_read"] <= cached.extra["bytes_per_read"]
    )
    assert cached.extra["floor_p99_ms"] == floor.p99_ms > 0
    assert "peak_rss_mb_whole_run" not in floor.extra
    assert live.statuses == {"2xx": live.requests}
    assert revalidated.statuses == {"304": revalidated.requests}
    # a 304 carries no map; a cached answer carries the compressed one
    assert revalidated.extra["bytes_per_read"] < 1000 < cached.extra["bytes_per_read"]
    assert cached.extra["bytes_per_read"] >= cached.extra["gzip_bytes"]
    assert live.extra["holds"] > 0
    assert live.extra["hold_answers"] == {"200": live.extra["holds"]}
    assert "holds" not in cached.extra
    (verdict,) = [v for v in verdicts(got) if v.target.startswith("seat map of a 100,000")]
    assert verdict.met is None  # 1,000 seats say nothing of a stadium
    assert f"({db}, 1,000 seats, 4 conns" in verdict.measured
    assert "the floor, the same bytes from raw ASGI: p99" in verdict.measured


def test_naive_and_ours_under_the_same_race(bench: BenchSession, runs: list[Run]) -> None:
    _pg(bench)
    load = Load(connections=16, requests=96, duration=10)
    ours = naive(bench.world("postgresql"), load=load, workers=1, implementation="seatguard")
    theirs = naive(bench.world("postgresql"), load=load, workers=1, implementation="naive")
    runs += [ours, theirs]
    for run in (ours, theirs):
        _shape(run)
        assert run.server_errors == 0
        assert set(run.extra) >= {
            "implementation",
            "double_grants",
            "seats_contended",
            "seats_double_sold",
            "attempts_per_seat",
        }
        assert run.oversold == run.extra["double_grants"] >= 0
    # ours: exactly one grant per contended seat, whatever the interleaving
    assert ours.extra["double_grants"] == 0
    assert ours.statuses["200"] == ours.extra["seats_contended"] == 96 // 8
    assert theirs.extra["implementation"] == "naive"


def test_pgbench_ceiling(bench: BenchSession, runs: list[Run]) -> None:
    _pg(bench)
    if find_pgbench() is None:
        if IN_CI:
            pytest.fail("pgbench is required in CI")
        pytest.skip("pgbench not installed")
    run = limit(
        bench.world("postgresql"),
        bench.require_cluster(),
        connections=SMALL.connections,
        duration=1,
        seats=500,
    )
    runs.append(run)
    assert run.throughput > 0
    assert run.statuses.get("failed", 0) == 0
    assert run.requests == run.statuses["ok"] > 0
    assert 0 < run.p50_ms <= run.p99_ms


def test_seatguard_beside_the_lean_baseline_under_wrk(bench: BenchSession, runs: list[Run]) -> None:
    _pg(bench)
    if find_wrk() is None:
        if IN_CI:
            pytest.fail("wrk is required in CI (.ci/run installs it)")
        pytest.skip("wrk not installed")
    got = run_lean(bench, Grid(["postgresql", "sqlite"], [8], [1], 2, 0), seats=500)
    runs.extend(got)
    by = {(r.scenario, r.db, r.extra["implementation"]): r for r in got}
    assert set(by) == {
        ("hold-rate", "postgresql", "seatguard"),
        ("hold-rate", "postgresql", "lean"),
        ("hold-rate", "sqlite", "seatguard"),
        ("hold-rate", "sqlite", "lean"),
        ("health-rate", "postgresql", "seatguard"),
        ("health-rate", "postgresql", "lean"),
    }
    for run in got:
        assert run.extra["driver"] == "wrk"
        assert run.requests > 0
        # every hold, every /health; a refusal names the server and the database that gave it
        who = (run.scenario, run.db, run.extra["implementation"], run.statuses)
        assert run.statuses == {"200": run.requests}, who
        assert run.oversold == 0
        assert 0 < run.p50_ms <= run.p99_ms
        assert run.rss_mb > 0
        assert run.extra["server_cpu_s"] > 0
    assert ratios(got, "hold-rate")[("postgresql", 1, 8)] > 0
    assert ratios(got, "health-rate")[("postgresql", 1, 8)] > 0
    assert ratios(got, "hold-rate")[("sqlite", 1, 8)] > 0
    assert set(lean_of_ceiling(got)) <= {(1, 8)}  # pgbench measures PostgreSQL only


def test_a_probed_server_reports_what_each_process_saw(bench: BenchSession, tmp_path: Path) -> None:
    """``bench lean --probe``: each worker process of SeatGuard's server times its requests and
    its event loop and counts its SQLite writes by path; the lean server is not probed."""
    if find_wrk() is None:
        if IN_CI:
            pytest.fail("wrk is required in CI (.ci/run installs it)")
        pytest.skip("wrk not installed")
    PROBES["dir"] = tmp_path
    try:
        got = run_lean(bench, Grid(["sqlite"], [8], [2], 2, 0), seats=500)
    finally:
        PROBES.pop("dir")
    ours, lean = sorted(got, key=lambda r: r.extra["implementation"] == "lean")
    assert "probe" not in lean.extra
    seen = ours.extra["probe"]
    assert 1 <= len(seen) <= 2  # the worker processes that were given connections
    served = sum(s["request_ms"]["n"] for s in seen)  # the holds, and the start's /health
    writes = sum(s["writes_on_loop"] + s["writes_handed_over"] for s in seen)  # one per hold
    assert ours.requests <= writes <= served
    for s in seen:
        assert s["loop_lag_ms"]["n"] > 0
        assert 0 <= s["request_ms"]["p50"] <= s["request_ms"]["p99"] <= s["request_ms"]["max"]


def test_flash_sale_fulfils_every_paid_order(bench: BenchSession, runs: list[Run]) -> None:
    sale = Sale(seats=40, buyers=12, connections=4, duration=30, fulfil_timeout=60)
    run = flash_sale(bench.world("sqlite"), sale=sale, workers=1)
    runs.append(run)
    _shape(run)
    extra = run.extra
    assert run.oversold == 0
    assert run.server_errors == 0
    assert extra["orders_paid"] == extra["buyers"] == 12
    assert extra["every_paid_order_completed"] is True
    assert extra["orders_completed"] == 12
    assert extra["tickets"] == extra["seats_paid"] == sum(1 + b % 4 for b in range(12))
    assert extra["emails"] == 12
    assert extra["jobs_outstanding"] == 0
    assert run.throughput > 0
    assert extra["queue_depth"], "the queue depth was sampled"


def test_the_lean_drain_fulfils_every_paid_order(bench: BenchSession, runs: list[Run]) -> None:
    sale = Sale(seats=40, buyers=12, connections=4, duration=30, fulfil_timeout=60)
    run = flash_sale(bench.world("postgresql"), sale=sale, workers=1, drain="lean")
    runs.append(run)
    _shape(run)
    extra = run.extra
    assert extra["implementation"] == "lean"
    assert run.oversold == 0
    assert extra["every_paid_order_completed"] is True
    assert extra["orders_completed"] == extra["orders_paid"] == 12
    assert extra["tickets"] == extra["seats_paid"]
    assert extra["emails"] == 12
    assert extra["jobs_outstanding"] == 0


def test_ticket_pdf_cost_per_page(runs: list[Run]) -> None:
    for tickets in (1, 4):
        run = pdf_cost(tickets=tickets, documents=3)
        runs.append(run)
        assert run.extra["tickets_per_document"] == tickets
        assert run.requests == 3
        assert 0 < run.p50_ms <= run.p99_ms
        assert run.extra["cpu_ms_per_page"] > 0
        assert 0 < run.extra["qr_cpu_ms_per_page"] < run.extra["cpu_ms_per_page"]
        assert run.extra["cold_document_cpu_ms"] > 0
        assert run.extra["bytes_per_document"] > 1000


def test_report_renders_targets_tables_and_plots(runs: list[Run], tmp_path: Path) -> None:
    if not runs:
        pytest.skip("no runs to report")
    plots = write_plots(runs, tmp_path / "bench")
    text = render(
        runs,
        versions={"SQLite": "x"},
        plots=plots,
        report=tmp_path / "b.md",
        started_load="0",
        ended_load="0",
    )
    assert "## Targets" in text
    assert "## Holds" in text
    assert all(p.exists() and p.stat().st_size > 1000 for p in plots)
    assert any(p.name == "holds-throughput.png" for p in plots)
    found = {v.target for v in verdicts(runs)}
    assert "0 seats oversold (every SeatGuard run)" in found
    assert all(ratio > 0 for ratio in ceiling_ratios(runs).values())
    if any(r.scenario == "hold-rate" for r in runs):
        assert "## SeatGuard beside the lean baseline: holds under wrk" in text
        assert "| SeatGuard / lean | lean / pgbench |" in text
        assert "`GET /health`: ≥ 70% of the lean baseline's request rate" in found
        assert lean_of_ceiling(runs), "pgbench and the lean baseline ran at 8 connections"
    if any(r.scenario == "hot-seat" for r in runs):
        assert "## Hot seat: concurrent attempts at 5 seats, SeatGuard beside the lean" in text
        (hot,) = [v for v in verdicts(runs) if v.target.startswith("hot seat")]
        assert "lean baseline in the same run: " in hot.measured
    if any(r.scenario == "burst-floor" for r in runs):
        (hot,) = [v for v in verdicts(runs) if v.target.startswith("hot seat")]
        assert "the same burst answered 404 by the lean server, no database: p99" in hot.measured
        assert "| lean, 404 without token or database (the burst's floor) |" in text
    if any(r.scenario == "seat-map" for r in runs):
        assert "## Seat map of a stadium" in text
        assert "| cached | 4 |" in text
        assert "| cached: floor (raw ASGI, same bytes from memory) | 4 |" in text
    if any(r.scenario == "pdf" for r in runs):
        assert "## Ticket PDFs: CPU per page" in text
        assert "ticket PDF: ≤ 5 ms CPU per page (1- and 4-ticket documents)" in found
