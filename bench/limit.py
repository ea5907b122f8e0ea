"""The ceiling: the hold's conditional UPDATE run straight against PostgreSQL with pgbench."""

from __future__ import annotations

import glob
import re
import subprocess
from pathlib import Path

import psycopg

from bench.pg import Cluster, find_pgbench
from bench.stats import Run, quantiles
from bench.world import World, make_event

# One transaction of the script = one hold and its release, as one HTTP user does them.
# The hold has the shape of holds.hold_seats: lock the target row in id order with SKIP
# LOCKED, then the conditional UPDATE … RETURNING; the release is releases' UPDATE.
SCRIPT = """\
\\set n random(1, :nseats)
WITH target AS (SELECT id FROM seats WHERE id IN (SELECT id FROM bench_seat_ids WHERE n = :n) ORDER BY id FOR UPDATE SKIP LOCKED) UPDATE seats SET status = 'LOCKED', held_by = 'pgbench-' || :client_id, held_until = (now() AT TIME ZONE 'utc') + interval '15 minutes', version = version + 1, updated_at = now() AT TIME ZONE 'utc' WHERE id IN (SELECT id FROM target) AND (status = 'AVAILABLE' OR (status = 'LOCKED' AND held_until <= now() AT TIME ZONE 'utc')) RETURNING id, held_until;
UPDATE seats SET status = 'AVAILABLE', held_by = NULL, held_until = NULL, version = version + 1, updated_at = now() AT TIME ZONE 'utc' WHERE id IN (SELECT id FROM bench_seat_ids WHERE n = :n) AND status = 'LOCKED' AND held_by = 'pgbench-' || :client_id AND held_until > now() AT TIME ZONE 'utc' AND order_id IS NULL;
"""  # noqa: E501


def _dsn(world: World) -> str:
    return world.url.replace("postgresql+psycopg://", "postgresql://")


def prepare(world: World, *, seats: int) -> int:
    make_event(world, seats=seats)
    with psycopg.connect(_dsn(world), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_seat_ids")
        conn.execute(
            "CREATE TABLE bench_seat_ids AS "
            "SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM seats"
        )
        conn.execute("ALTER TABLE bench_seat_ids ADD PRIMARY KEY (n)")
        conn.execute("ANALYZE")
    return seats


def _latencies_ms(prefix: Path) -> list[float]:
    """Per-transaction latencies from pgbench's -l logs (the third field, in µs)."""
    values: list[float] = []
    for path in glob.glob(f"{prefix}*"):
        with open(path) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    values.append(int(parts[2]) / 1000)
    return values


def limit(
    world: World, cluster: Cluster, *, connections: int, duration: float, seats: int = 10_000
) -> Run:
    pgbench = find_pgbench()
    if pgbench is None:
        raise FileNotFoundError("pgbench not found (Debian's postgresql-contrib / postgresql)")
    if world.kind != "postgresql":
        raise ValueError("the pgbench ceiling needs PostgreSQL")
    prepare(world, seats=seats)
    script = world.workdir / "hold.sql"
    script.write_text(SCRIPT)
    prefix = world.workdir / f"pgbench-{connections}"
    database = world.url.rsplit("/", 1)[1]
    cmd = [
        str(pgbench),
        "-n",
        "-M",
        "prepared",
        "-h",
        "127.0.0.1",
        "-p",
        str(cluster.port),
        "-U",
        "postgres",
        "-c",
        str(connections),
        "-j",
        str(min(2, connections)),
        "-T",
        str(max(1, round(duration))),
        "-D",
        f"nseats={seats}",
        "-f",
        str(script),
        "-l",
        f"--log-prefix={prefix}",
        database,
    ]
    done = subprocess.run(  # noqa: S603 - pgbench on our own loopback cluster
        cmd, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr[-2000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    lat = _latencies_ms(prefix)
    p50, p95, p99 = quantiles(lat)
    count = int(processed.group(1)) if processed else len(lat)
    return Run(
        scenario="limit",
        db="postgresql",
        workers=0,
        connections=connections,
        requests=count,
        elapsed_s=float(max(1, round(duration))),
        throughput=float(tps.group(1)) if tps else 0.0,
        unit="holds/s",
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        statuses={"ok": count, **({"failed": int(failed.group(1))} if failed else {})},
        oversold=0,
        rss_mb=0.0,
        extra={"tool": "pgbench -M prepared", "script": "hold + release"},
    )
