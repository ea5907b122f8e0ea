"""``seatguard bench SCENARIO``: start what the scenario needs on loopback, load it, report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from bench import report
from bench.flash import DRAINS, Sale, flash_sale
from bench.lean import IMPLEMENTATIONS, PROBES, WrkCell, health_rate, hold_rate
from bench.limit import limit
from bench.pdf import pdf_cost
from bench.profile import enable as enable_profiling
from bench.runner import BenchSession, bench_session
from bench.scenarios import Grid, burst_floor, holds, hot_seat, http_floor, naive
from bench.seatmap import MapLoad, seat_map
from bench.stats import Run
from bench.wrk import find_wrk

bench_app = typer.Typer(
    help="Load and contention benchmarks on loopback (results: docs/benchmarks.md).",
    no_args_is_help=True,
    add_completion=False,
)

DbOpt = Annotated[str, typer.Option("--db", help="sqlite, postgresql, or both comma-separated")]
ConnOpt = Annotated[str, typer.Option(help="concurrent connections, comma-separated")]
WorkersOpt = Annotated[str, typer.Option(help="server worker processes, comma-separated")]
DurationOpt = Annotated[float | None, typer.Option(help="wall-clock cap per run, seconds")]
RequestsOpt = Annotated[int | None, typer.Option(help="request cap per run")]
QuickOpt = Annotated[bool, typer.Option(help="small sizes: a smoke run in seconds")]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="also write the runs as JSON")]
KeepOpt = Annotated[bool, typer.Option(help="keep the scratch folder (logs, databases)")]
ProfileOpt = Annotated[
    Path | None, typer.Option("--profile", help="py-spy the server into this folder")
]


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _dbs(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    for name in names:
        if name not in ("sqlite", "postgresql"):
            raise typer.BadParameter(f"unknown database {name!r}")
    return names


def _finish(runs: list[Run], json_path: Path | None) -> None:
    report.print_table(runs)
    if json_path:
        report.save_json(runs, json_path)


def _measure(
    scenario: Callable[[BenchSession], list[Run]],
    *,
    profile: Path | None,
    keep: bool,
    json_path: Path | None,
) -> list[Run]:
    """Run ``scenario`` in one bench session (profiled if asked), then print and save its runs."""
    enable_profiling(profile)
    with bench_session(keep) as s:
        runs = scenario(s)
    _finish(runs, json_path)
    return runs


def run_holds(s: BenchSession, grid: Grid) -> list[Run]:
    return [holds(s.world(db), load=load, workers=w) for db, w, load in grid.cells()]


def run_lean(s: BenchSession, grid: Grid, *, seats: int = 10_000) -> list[Run]:
    """SeatGuard, then the lean baseline, under wrk: holds (both databases), then ``/health``
    (PostgreSQL)."""
    require_wrk()
    runs: list[Run] = []
    for db, w, load in grid.cells():
        for impl in IMPLEMENTATIONS:
            cell = WrkCell(db, impl, w, load.connections, load.duration)
            runs.append(hold_rate(s.world(db), cell, seats=seats))
    if "postgresql" in grid.dbs:
        health = Grid(["postgresql"], grid.connections, grid.workers, grid.duration, 0)
        for db, w, load in health.cells():
            for impl in IMPLEMENTATIONS:
                cell = WrkCell(db, impl, w, load.connections, load.duration)
                runs.append(health_rate(s.world(db), cell))
    return runs


def require_wrk() -> None:
    if find_wrk() is None:
        report.console.print(
            "wrk drives the SeatGuard-beside-lean runs and is not installed: "
            "apt-get install wrk (make bench installs it where missing)"
        )
        raise typer.Exit(2)


def run_limit(s: BenchSession, conns: list[int], duration: float) -> list[Run]:
    cluster = s.require_cluster()
    return [limit(s.world("postgresql"), cluster, connections=c, duration=duration) for c in conns]


def run_hot(
    s: BenchSession, dbs: list[str], workers: list[int], attempts: int, hot: int
) -> list[Run]:
    """SeatGuard on every database, then the lean baseline on PostgreSQL, at each worker count;
    then the same burst answered 404 by the lean server (the floor of the burst itself)."""
    runs = [
        hot_seat(s.world(db), attempts=attempts, hot=hot, workers=w, implementation=impl)
        for db in dbs
        for w in workers
        for impl in IMPLEMENTATIONS
        if impl != "lean" or db == "postgresql"
    ]
    if "postgresql" in dbs:
        runs += [burst_floor(s.world("postgresql"), attempts=attempts, workers=w) for w in workers]
    return runs


def run_naive(s: BenchSession, grid: Grid) -> list[Run]:
    return [
        naive(s.world(db), load=load, workers=w, implementation=impl)
        for db, w, load in grid.cells()
        for impl in ("naive", "seatguard")
    ]


def run_flash(s: BenchSession, dbs: list[str], workers: list[int], sale: Sale) -> list[Run]:
    """SeatGuard's workers drain every database's sale; on PostgreSQL the lean drain then
    drains a sale of its own, the same size, in the same run."""
    return [
        flash_sale(s.world(db), sale=sale, workers=w, drain=drain)
        for db in dbs
        for w in workers
        for drain in DRAINS
        if drain != "lean" or db == "postgresql"
    ]


def flash_size(
    quick: bool,
    buyers: int | None,
    seats: int | None,
    duration: float | None,
    connections: int | None = None,
) -> Sale:
    return Sale(
        seats=seats or (300 if quick else 10_000),
        buyers=buyers or (60 if quick else 2_000),
        connections=connections or (16 if quick else 64),
        duration=duration or (30 if quick else 300),
        fulfil_timeout=60 if quick else 600,
    )


def _load_command(
    name: str,
    doc: str,
    run: Callable[[BenchSession, Grid], list[Run]],
    *,
    defaults: tuple[str, str, str],
    quick_caps: tuple[int, int],
    full_caps: tuple[int, int],
) -> None:
    """Add ``seatguard bench NAME``: ``run`` (run_holds or run_naive) over a grid from the options.

    ``defaults`` are the --db, --connections and --workers defaults; the caps are (seconds,
    requests) per run when --duration or --requests is not given, with and without --quick.
    """
    default_db, default_connections, default_workers = defaults

    def command(
        db: DbOpt = default_db,
        connections: ConnOpt = default_connections,
        workers: WorkersOpt = default_workers,
        duration: DurationOpt = None,
        requests: RequestsOpt = None,
        quick: QuickOpt = False,
        json_path: JsonOpt = None,
        keep: KeepOpt = False,
        profile: ProfileOpt = None,
    ) -> None:
        seconds, cap = quick_caps if quick else full_caps

        def scenario(s: BenchSession) -> list[Run]:
            dbs, conns, procs = _dbs(db), _ints(connections), _ints(workers)
            return run(s, Grid(dbs, conns, procs, duration or seconds, requests or cap))

        _measure(scenario, profile=profile, keep=keep, json_path=json_path)

    command.__doc__ = doc
    bench_app.command(name)(command)


_load_command(
    "holds",
    "Users holding and releasing distinct seats of a 10,000-seat event.",
    run_holds,
    defaults=("sqlite,postgresql", "16,64,256", "1,2"),
    quick_caps=(3, 300),
    full_caps=(10, 50_000),
)


@bench_app.command("lean")
def lean_cmd(
    db: DbOpt = "postgresql,sqlite",
    connections: ConnOpt = "64",
    workers: WorkersOpt = "1,2",
    duration: DurationOpt = None,
    quick: QuickOpt = False,
    json_path: JsonOpt = None,
    keep: KeepOpt = False,
    profile: ProfileOpt = None,
    probe: Annotated[
        Path | None,
        typer.Option(
            "--probe",
            help="SeatGuard's servers write their own request times, event-loop lag and "
            "SQLite write paths into this folder (bench/probe.py); printed after the runs",
        ),
    ] = None,
) -> None:
    """SeatGuard beside the lean baseline under wrk (holds, GET /health), with pgbench's ceiling."""
    require_wrk()
    if probe is None:
        PROBES.pop("dir", None)
    else:
        PROBES["dir"] = probe.resolve()
    dbs, conns, procs = _dbs(db), _ints(connections), _ints(workers)
    seconds = duration or (2 if quick else 10)

    def scenario(s: BenchSession) -> list[Run]:
        runs = run_limit(s, conns, seconds) if "postgresql" in dbs else []
        return runs + run_lean(s, Grid(dbs, conns, procs, seconds, 0))

    runs = _measure(scenario, profile=profile, keep=keep, json_path=json_path)
    report.print_ratios(runs)
    report.print_probes(runs)


def run_pdf(documents: int) -> list[Run]:
    return [pdf_cost(tickets=n, documents=max(1, documents // n)) for n in (1, 4)]


@bench_app.command("pdf")
def pdf_cmd(
    documents: Annotated[
        int | None, typer.Option(help="1-ticket documents (a quarter of 4)")
    ] = None,
    quick: QuickOpt = False,
    json_path: JsonOpt = None,
) -> None:
    """Ticket PDFs rendered in this process: CPU ms per page, 1- and 4-ticket documents."""
    runs = run_pdf(documents or (40 if quick else 400))
    _finish(runs, json_path)
    for r in runs:
        report.console.print(f"pdf, {r.extra['tickets_per_document']} ticket(s): {r.extra}")


@bench_app.command("hot-seat")
def hot_seat_cmd(
    db: DbOpt = "sqlite,postgresql",
    workers: WorkersOpt = "1",
    attempts: Annotated[
        int | None, typer.Option("--attempts", "--requests", help="users trying at once")
    ] = None,
    seats: Annotated[int, typer.Option(help="how many hot seats")] = 5,
    quick: QuickOpt = False,
    json_path: JsonOpt = None,
    keep: KeepOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Many concurrent attempts at the same few seats: one winner each, the rest 409.

    On PostgreSQL the lean baseline takes the same burst in the same run."""

    def scenario(s: BenchSession) -> list[Run]:
        return run_hot(s, _dbs(db), _ints(workers), attempts or (200 if quick else 1000), seats)

    _measure(scenario, profile=profile, keep=keep, json_path=json_path)


def map_size(
    quick: bool,
    seats: int | None = None,
    connections: int | None = None,
    duration: float | None = None,
    holds_per_s: float | None = None,
) -> MapLoad:
    return MapLoad(
        seats=seats or (10_000 if quick else 100_000),
        connections=connections or 16,
        duration=duration or (2 if quick else 10),
        holds_per_s=holds_per_s or 2,
    )


def run_seat_map(s: BenchSession, dbs: list[str], load: MapLoad) -> list[Run]:
    return [run for db in dbs for run in seat_map(s.world(db), load)]


@bench_app.command("seat-map")
def seat_map_cmd(
    db: DbOpt = "postgresql,sqlite",
    seats: Annotated[int | None, typer.Option(help="seats in the event (default 100,000)")] = None,
    connections: Annotated[int | None, typer.Option(help="wrk connections (default 16)")] = None,
    duration: DurationOpt = None,
    holds_per_s: Annotated[
        float | None, typer.Option(help="holds per second during the live-sale phase (default 2)")
    ] = None,
    quick: QuickOpt = False,
    json_path: JsonOpt = None,
    keep: KeepOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """GET a stadium's seat map under wrk: first read, cached gzip, 304, and during holds."""
    require_wrk()
    load = map_size(quick, seats, connections, duration, holds_per_s)
    _measure(
        lambda s: run_seat_map(s, _dbs(db), load), profile=profile, keep=keep, json_path=json_path
    )


@bench_app.command("flash-sale")
def flash_sale_cmd(
    db: DbOpt = "postgresql",
    workers: Annotated[str, typer.Option(help="`seatguard worker` processes")] = "2",
    buyers: Annotated[int | None, typer.Option(help="buyers (1–4 seats each)")] = None,
    seats: Annotated[int | None, typer.Option(help="seats on sale")] = None,
    connections: Annotated[int | None, typer.Option(help="buyers at once")] = None,
    duration: DurationOpt = None,
    quick: QuickOpt = False,
    json_path: JsonOpt = None,
    keep: KeepOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Buyers hold, check out and pay through the sandbox; workers issue tickets and email."""
    sale = flash_size(quick, buyers, seats, duration, connections)
    _measure(
        lambda s: run_flash(s, _dbs(db), _ints(workers), sale),
        profile=profile,
        keep=keep,
        json_path=json_path,
    )


@bench_app.command("limit")
def limit_cmd(
    connections: ConnOpt = "16,64,256",
    workers: WorkersOpt = "1,2",
    duration: DurationOpt = None,
    requests: RequestsOpt = None,
    quick: QuickOpt = False,
    json_path: JsonOpt = None,
    keep: KeepOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """The hold UPDATE straight on PostgreSQL (pgbench) beside our HTTP holds, as a ratio."""
    conns = _ints(connections)
    seconds = duration or (2 if quick else 10)

    def scenario(s: BenchSession) -> list[Run]:
        runs = run_limit(s, conns, seconds)
        cap = requests or (300 if quick else 50_000)
        return runs + run_holds(s, Grid(["postgresql"], conns, _ints(workers), seconds, cap))

    runs = _measure(scenario, profile=profile, keep=keep, json_path=json_path)
    for (w, c), ratio in sorted(report.ceiling_ratios(runs).items()):
        report.console.print(f"{c} connections, {w} worker(s): {ratio:.0%} of the pgbench ceiling")


_load_command(
    "naive",
    "Read-then-write holds under the same load as ours: how many seats are granted twice.",
    run_naive,
    defaults=("postgresql", "64", "1"),
    quick_caps=(5, 200),
    full_caps=(20, 4000),
)


def _versions(s: BenchSession) -> dict[str, str]:
    import sqlite3
    import subprocess

    from bench.pg import find_pgbench

    versions = {"SQLite": sqlite3.sqlite_version}
    if s.cluster is not None:
        versions["PostgreSQL"] = s.cluster.version()
    pgbench = find_pgbench()
    if pgbench is not None:
        done = subprocess.run(  # noqa: S603 - the local pgbench
            [str(pgbench), "--version"], capture_output=True, text=True, check=False
        )
        versions["pgbench"] = done.stdout.strip()
    return versions


def write_report(
    runs: list[Run],
    path: Path,
    *,
    versions: dict[str, str],
    loads: tuple[str, str],
    command_line: str = "",
    measured: tuple[str, str] | None = None,
) -> None:
    """Write the runs, their plots and the report; ``measured`` is (UTC time, commit) of the
    measurement when the report is rewritten from saved results, else now and HEAD."""
    from bench.markdown import command, render
    from bench.plots import write_plots

    folder = path.parent / "bench"
    report.save_json(runs, folder / "results.json")
    line = command_line or command()
    when, commit = measured or (f"{datetime.now(UTC):%Y-%m-%d %H:%M}", report.git_commit())
    (folder / "versions.json").write_text(
        json.dumps(
            {**versions, "_load": list(loads), "_command": line, "_measured": [when, commit]},
            indent=1,
        )
        + "\n"
    )
    plots = write_plots(runs, folder)
    path.write_text(
        render(
            runs,
            versions=versions,
            plots=plots,
            report=path,
            started_load=loads[0],
            ended_load=loads[1],
            command_line=line,
            measured=(when, commit),
        )
    )
    report.console.print(f"wrote {path} and {len(plots)} plots in {folder}")


@bench_app.command("all")
def all_cmd(
    report_path: Annotated[
        Path | None, typer.Option("--report", help="write the Markdown report here")
    ] = None,
    db: DbOpt = "sqlite,postgresql",
    connections: ConnOpt = "16,64,256",
    workers: WorkersOpt = "1,2",
    duration: DurationOpt = None,
    quick: QuickOpt = False,
    json_path: JsonOpt = None,
    keep: KeepOpt = False,
    profile: ProfileOpt = None,
    buyers: Annotated[int | None, typer.Option(help="flash-sale buyers (default 2,000)")] = None,
    seats: Annotated[int | None, typer.Option(help="flash-sale seats (default 10,000)")] = None,
) -> None:
    """Every scenario in one session (one PostgreSQL cluster): the published figures."""
    require_wrk()
    enable_profiling(profile)
    dbs, conns, procs = _dbs(db), _ints(connections), _ints(workers)
    seconds = duration or (2 if quick else 10)
    requests = 300 if quick else 100_000
    start_load = report.load_average()
    with bench_session(keep) as s:
        runs: list[Run] = []
        if "postgresql" in dbs:
            runs += run_limit(s, conns, seconds)
        runs += run_holds(s, Grid(dbs, conns, procs, seconds, requests))
        runs += run_lean(s, Grid(dbs, conns, procs, seconds, requests))
        floor = Grid(dbs[-1:], conns, [1], seconds, requests)
        runs += [http_floor(s.world(d), load=load, workers=w) for d, w, load in floor.cells()]
        runs += run_hot(s, dbs, [1], 200 if quick else 1000, 5)
        runs += run_seat_map(s, dbs, map_size(quick))
        contended = 64 if not quick else 32
        runs += run_naive(s, Grid(dbs, [contended], [1], seconds * 2, 200 if quick else 4000))
        sale_dbs = ["postgresql"] if "postgresql" in dbs and not quick else dbs
        runs += run_flash(s, sale_dbs, [1 if quick else 2], flash_size(quick, buyers, seats, None))
        runs += run_pdf(40 if quick else 400)
        versions = _versions(s)
        end_load = report.load_average()
        _finish(runs, json_path)
        report.print_ratios(runs)
        if report_path is not None:
            write_report(runs, report_path, versions=versions, loads=(start_load, end_load))


@bench_app.command("report")
def report_cmd(
    results: Annotated[Path, typer.Argument(help="results.json from an earlier run")],
    report_path: Annotated[Path, typer.Option("--report")] = Path("docs/benchmarks.md"),
) -> None:
    """Rewrite the Markdown report and plots from saved results (no new measurements)."""
    runs = report.load_json(results)
    saved = json.loads((results.parent / "versions.json").read_text())
    loads = tuple(saved.pop("_load", ["?", "?"]))
    line = str(saved.pop("_command", ""))
    when, commit = saved.pop("_measured", ["?", "?"])
    write_report(
        runs,
        report_path,
        versions=saved,
        loads=(loads[0], loads[1]),
        command_line=line,
        measured=(str(when), str(commit)),
    )
