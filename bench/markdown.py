"""docs/benchmarks.md from the runs: machine, targets, tables, plots, commands, notes."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.lean import lean_of_ceiling, ratios
from bench.report import Verdict, ceiling_ratios, git_commit, machine, verdicts
from bench.stats import Run

NOTES = Path(__file__).with_name("notes.md")  # hand-written profile findings, included as they are

COMMANDS = """\
```sh
# from a source checkout (bench/ is not in the installed package): pip install -e '.[dev,bench]'
make bench                                   # = seatguard bench all --report docs/benchmarks.md
seatguard bench all --report docs/benchmarks.md [--quick]
seatguard bench limit --connections 16,64,256 --workers 1,2 --duration 10
seatguard bench lean --db postgresql,sqlite --connections 64 --workers 1,2 --duration 10
seatguard bench pdf --documents 400
seatguard bench holds --db sqlite,postgresql --connections 16,64,256 --workers 1,2 --duration 10
seatguard bench hot-seat --db sqlite,postgresql --attempts 1000 --seats 5
seatguard bench seat-map --db postgresql,sqlite --seats 100000 --connections 16 --duration 10
seatguard bench naive --db postgresql,sqlite --connections 64 --requests 4000
seatguard bench flash-sale --db postgresql,sqlite --workers 2 --buyers 2000 --seats 10000
seatguard bench holds --db postgresql --connections 64 --workers 1 --profile /tmp/profiles
seatguard bench lean --db sqlite --workers 1,2 --probe /tmp/probes  # what the server saw
TMPDIR=/dev/shm seatguard bench lean --db sqlite  # databases on tmpfs: no fsync reaches a disk
```"""


def command() -> str:
    """The command line that produced this report, as a user would type it."""
    args = sys.argv[1:] if sys.argv and sys.argv[0].endswith("seatguard") else sys.argv[2:]
    return " ".join(["seatguard", *(shlex.quote(a) for a in args)])


def _answers(r: Run) -> str:
    return ", ".join(f"{k}: {v:,}" for k, v in r.statuses.items())


def _met(met: bool | None) -> str:
    return "not measured" if met is None else "yes" if met else "**no**"


def _generated(measured: tuple[str, str] | None) -> str:
    now, head = f"{datetime.now(UTC):%Y-%m-%d %H:%M}", git_commit()
    if measured is None or measured == (now, head):
        return f"Generated {now} UTC at commit `{head}`."
    when, commit = measured
    return f"Measured {when} UTC at commit `{commit}`; this report written {now} UTC."


def anchor(heading: str) -> str:
    """The fragment a Markdown renderer (GitHub's) gives ``heading``."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return "#" + kept.replace(" ", "-")


def _why(v: Verdict) -> str:
    return f"[{v.why}]({anchor(v.why)})" if v.why and v.met is not True else "–"


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [_row(head), _row(["---"] * len(head)), *(_row(r) for r in rows), ""]


def _ms(value: float) -> str:
    return f"{value:,.1f}"


def _ratio(ratios: dict[tuple[int, int], float], r: Run) -> str:
    key = (r.workers, r.connections)
    return f"{ratios[key]:.1%}" if r.db == "postgresql" and key in ratios else "–"


def _holds(runs: Sequence[Run]) -> list[str]:
    ratios = ceiling_ratios(runs)
    rows = [
        [
            r.db,
            r.workers,
            r.connections,
            f"{r.throughput:,.0f}",
            _ratio(ratios, r),
            f"{r.extra.get('requests_per_s', 0):,.0f}",
            r.extra.get("server_cpu_ms_per_request", "–"),
            _ms(r.p50_ms),
            _ms(r.p95_ms),
            _ms(r.p99_ms),
            _answers(r),
            r.oversold,
            f"{r.rss_mb:.0f}",
        ]
        for r in runs
        if r.scenario == "holds"
    ]
    head = [
        "db",
        "workers",
        "conns",
        "holds/s",
        "of pgbench",
        "requests/s",
        "server CPU ms/request",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "answers",
        "oversold",
        "peak RSS MiB",
    ]
    return _table(head, rows) if rows else []


def _lean(runs: Sequence[Run], scenario: str) -> list[str]:
    """SeatGuard and the lean baseline under wrk, with SeatGuard/lean and lean/pgbench."""
    ours = ratios(runs, scenario)
    ceiling = lean_of_ceiling(runs) if scenario == "hold-rate" else {}

    def ratio(r: Run) -> str:
        key = (r.db, r.workers, r.connections)
        return f"{ours[key]:.0%}" if key in ours else "–"

    def share(r: Run) -> str:
        key = (r.workers, r.connections)
        lean = r.extra.get("implementation") == "lean" and r.db == "postgresql"
        return f"{ceiling[key]:.1%}" if lean and key in ceiling else "–"

    rows = [
        [
            r.extra.get("implementation", "?"),
            r.db,
            r.workers,
            r.connections,
            f"{r.throughput:,.0f} {r.unit}",
            ratio(r),
            share(r),
            r.extra.get("server_cpu_ms_per_request", "–"),
            _ms(r.p50_ms),
            _ms(r.p95_ms),
            _ms(r.p99_ms),
            _answers(r),
            r.oversold,
            f"{r.rss_mb:.0f}",
        ]
        for r in runs
        if r.scenario == scenario
    ]
    head = [
        "implementation",
        "db",
        "workers",
        "conns",
        "throughput",
        "SeatGuard / lean",
        "lean / pgbench",
        "server CPU ms/request",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "answers",
        "oversold",
        "peak RSS MiB",
    ]
    if scenario != "hold-rate":
        head, rows = head[:6] + head[7:], [r[:6] + r[7:] for r in rows]
    return _table(head, rows) if rows else []


def _simple(runs: Sequence[Run], scenario: str) -> list[str]:
    rows = [
        [
            r.extra.get("implementation", r.db) if scenario == "naive" else r.db,
            r.db,
            r.workers,
            r.connections,
            r.requests,
            f"{r.throughput:,.0f} {r.unit}",
            r.extra.get("server_cpu_ms_per_request", "–"),
            _ms(r.p50_ms),
            _ms(r.p95_ms),
            _ms(r.p99_ms),
            _answers(r),
            r.oversold,
            f"{r.rss_mb:.0f}" if r.rss_mb else "–",
        ]
        for r in runs
        if r.scenario == scenario
    ]
    first = "implementation" if scenario == "naive" else "—"
    head = [
        first,
        "db",
        "workers",
        "conns",
        "requests",
        "throughput",
        "server CPU ms/request",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "answers",
        "oversold / double grants",
        "peak RSS MiB",
    ]
    if scenario != "naive":
        head, rows = head[1:], [r[1:] for r in rows]
    return _table(head, rows) if rows else []


def _hot(runs: Sequence[Run]) -> list[str]:
    """Hot seat, SeatGuard and the lean baseline: the losers' latency and the winners."""
    rows = [
        [
            "lean, 404 without token or database (the burst's floor)"
            if r.scenario == "burst-floor"
            else r.extra.get("implementation", "seatguard"),
            r.db,
            r.workers,
            r.requests,
            r.extra.get("winners_per_seat", "–"),
            r.extra.get("database_agrees", "–"),
            r.extra.get("server_cpu_ms_per_request", "–"),
            _ms(r.p50_ms),
            _ms(r.p95_ms),
            _ms(r.p99_ms),
            _answers(r),
            r.oversold,
            f"{r.rss_mb:.0f}",
        ]
        for r in runs
        if r.scenario in ("hot-seat", "burst-floor")
    ]
    head = [
        "implementation",
        "db",
        "workers",
        "attempts",
        "winners per seat",
        "database agrees",
        "server CPU ms/request",
        "losers' (floor: all) p50 ms",
        "p95 ms",
        "p99 ms",
        "answers",
        "oversold",
        "peak RSS MiB",
    ]
    return _table(head, rows) if rows else []


def _seat_map(runs: Sequence[Run]) -> list[str]:
    """The seat map under wrk, one row per phase, with the first (uncached) read beside."""

    def kib(value: object) -> str:
        return f"{value / 1024:,.0f}" if isinstance(value, int | float) else "–"

    rows = [
        [
            r.db,
            f"{r.extra.get('seats', 0):,}",
            r.extra.get("phase", "?"),
            r.connections,
            f"{r.throughput:,.0f}",
            _ms(r.p50_ms),
            _ms(r.p95_ms),
            _ms(r.p99_ms),
            f"{r.extra.get('bytes_per_read', 0):,}",
            r.extra.get("server_cpu_ms_per_request", "–"),
            _answers(r),
            r.extra.get("first_read_ms", "–"),
            f"{kib(r.extra.get('gzip_bytes'))} / {kib(r.extra.get('identity_bytes'))}",
            _map_holds(r),
            f"{r.rss_mb:.0f}",
        ]
        for r in runs
        if r.scenario == "seat-map"
    ]
    head = [
        "db",
        "seats",
        "phase",
        "conns",
        "reads/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "bytes per answer",
        "server CPU ms/request",
        "answers",
        "first read ms",
        "map KiB gzip / plain",
        "holds during the phase",
        "peak RSS MiB",
    ]
    return _table(head, rows) if rows else []


def _map_holds(r: Run) -> str:
    if "holds" not in r.extra:
        return "–"
    answers = ", ".join(f"{k}: {v}" for k, v in r.extra.get("hold_answers", {}).items())
    return f"{r.extra['holds']} ({answers}; p99 {r.extra.get('hold_p99_ms', 0):,.0f} ms)"


def _flash(runs: Sequence[Run]) -> list[str]:
    keys = [
        "buyers",
        "orders_paid",
        "seats_paid",
        "orders_completed",
        "tickets",
        "emails",
        "all_paid_s",
        "jobs_queued",
        "workers_first_order_s",
        "drain_s",
        "tickets_per_s_from_start",
        "sold_out_s",
        "orders_per_s",
        "steady_worker_cpu_ms_per_ticket",
        "steady_cores_busy",
        "steady_cores_workers",
        "steady_cores_booking",
        "every_paid_order_completed",
        "jobs_outstanding",
        "p99_by_step_ms",
    ]
    rows = [
        [
            r.extra.get("implementation", "seatguard"),
            r.db,
            r.workers,
            f"{r.throughput:,.1f}",
            r.oversold,
            f"{r.rss_mb:.0f}",
            *(r.extra.get(k, "–") for k in keys),
        ]
        for r in runs
        if r.scenario == "flash-sale"
    ]
    head = ["drain", "db", "worker procs", "tickets/s", "oversold", "peak RSS MiB", *keys]
    return _table(head, rows) if rows else []


def _pdf(runs: Sequence[Run]) -> list[str]:
    keys = [
        "tickets_per_document",
        "cpu_ms_per_page",
        "cpu_ms_per_document",
        "qr_cpu_ms_per_page",
        "cold_document_cpu_ms",
        "bytes_per_document",
    ]
    rows = [
        [r.requests, *(r.extra.get(k, "–") for k in keys), _ms(r.p50_ms), _ms(r.p99_ms)]
        for r in runs
        if r.scenario == "pdf"
    ]
    head = ["documents", *keys, "p50 ms/page", "p99 ms/page"]
    return _table(head, rows) if rows else []


def render(
    runs: Sequence[Run],
    *,
    versions: dict[str, str],
    plots: Sequence[Path],
    report: Path,
    started_load: str,
    ended_load: str,
    command_line: str = "",
    measured: tuple[str, str] | None = None,
) -> str:
    out = ["# SeatGuard benchmarks", ""]
    out += [
        "Measured on loopback by `seatguard bench`, which starts everything itself: a throwaway "
        "PostgreSQL cluster (initdb, `fsync=off`), or a temporary SQLite file; the real "
        "`seatguard booking` server as a subprocess with N uvicorn workers; beside it the lean "
        "baseline (`bench/lean_app.py`: raw ASGI, uvicorn with httptools and uvloop, psycopg "
        "async connections with prepared statements, or on SQLite the stdlib driver on one "
        "writer thread, the token verified, the same hold statement on the same `seats` "
        "table); `wrk` for the throughput runs and a bounded "
        "asyncio load generator where a scenario needs logic (request count and wall-clock "
        "caps; it stops by itself). "
        "Every ratio below compares figures taken in the same run on the same machine.",
        "",
        _generated(measured),
        "Regenerate with `make bench` (or `seatguard bench all --report docs/benchmarks.md`).",
        "",
        "## Machine",
        "",
    ]
    info = {
        **machine(),
        **versions,
        "load average at start / end": f"{started_load} / {ended_load}",
    }
    out += _table(["", ""], list(info.items()))
    out += ["## Targets", ""]
    out += _table(
        ["target", "measured", "met", "if not: why, and what was tried"],
        [[v.target, v.measured, _met(v.met), _why(v)] for v in verdicts(runs)],
    )
    sections = [
        (
            "SeatGuard beside the lean baseline: holds under wrk (rotating seats, 2,000 users)",
            _lean(runs, "hold-rate"),
        ),
        ("SeatGuard beside the lean baseline: `GET /health` under wrk", _lean(runs, "health-rate")),
        ("Holds: hold then release distinct seats of a 10,000-seat event", _holds(runs)),
        (
            "Ceiling: the same conditional UPDATE straight on PostgreSQL (pgbench)",
            _simple(runs, "limit"),
        ),
        ("HTTP floor: `GET /health` on the same server", _simple(runs, "http-floor")),
        (
            "Hot seat: concurrent attempts at 5 seats, SeatGuard beside the lean baseline "
            "(latencies are the 409s)",
            _hot(runs),
        ),
        (
            "Seat map of a stadium: cached gzip reads, 304s, and reads while holds invalidate it",
            _seat_map(runs),
        ),
        ("Naive read-then-write hold beside ours, same load", _simple(runs, "naive")),
        ("Flash sale: hold, check out, pay in the sandbox; fulfil, PDF, email", _flash(runs)),
        ("Ticket PDFs: CPU per page, rendered one after another in one process", _pdf(runs)),
    ]
    for title, lines in sections:
        if lines:
            out += [f"## {title}", "", *lines]
    if plots:
        out += ["## Plots", ""]
        base = report.parent
        out += [f"![{p.stem}]({os.path.relpath(p, base)})" for p in plots]
        out += [""]
    out += ["## Commands", "", f"These figures: `{command_line or command()}`", "", COMMANDS, ""]
    notes = next((p for p in (report.parent.parent / NOTES, NOTES) if p.exists()), None)
    if notes is not None:
        out += [notes.read_text().rstrip(), ""]
    return "\n".join(out)
