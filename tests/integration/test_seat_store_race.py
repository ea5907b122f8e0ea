"""Processes racing through the served seat store never grant a seat twice nor pass the cap.

Three processes (each one store, as a uvicorn worker has: on SQLite one writer thread whose
transactions take every waiting hold, on PostgreSQL its pool) run 24 coroutines each, holding
one to three of 40 seats for one of 16 users (cap 3). No hold runs out during the race, so
every answer must be explained by one serial order: a seat granted to one user only, every
granted hold wholly in place at the end, nothing of a refused hold left behind, no user above
the cap.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from seatguard.booking.models import Seat
from seatguard.booking.seat_store import seat_store_for
from seatguard.booking.sqlite_store import SqliteSeatStore
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.errors import AppError
from tests.support.factories import make_event
from tests.support.hold_race import CAP

PROCESSES = 3
SEATS = 40


def _race(db: Database, database_url: str, tmp_path: Path) -> list[dict[str, Any]]:
    now = datetime.now(UTC).replace(microsecond=0)
    _, seats = make_event(db, now=now, seats=SEATS)
    go = tmp_path / "go"
    outs = [tmp_path / f"answers-{i}.jsonl" for i in range(PROCESSES)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.hold_race",
                database_url,
                now.isoformat(),
                ",".join(str(s) for s in seats),
                str(out),
                str(go),
                str(i),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i, out in enumerate(outs)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        go.touch()
        for proc in procs:
            assert proc.wait(timeout=120) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
    return [json.loads(line) for out in outs for line in out.read_text().splitlines()]


def test_racing_processes_never_double_grant_nor_pass_the_cap(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    answers = _race(db, database_url, tmp_path)
    assert len(answers) == PROCESSES * 24 * 8
    granted: dict[str, set[str]] = defaultdict(set)  # seat → users it was granted to
    for a in answers:
        if "held" in a:
            assert sorted(a["held"]) == sorted(a["asked"])
            for seat in a["held"]:
                granted[seat].add(str(a["user"]))
        else:
            assert a["refused"] in {"seats_unavailable", "hold_limit_reached"}, a
    assert all(len(users) == 1 for users in granted.values()), granted
    with db.reader() as session:
        rows = session.execute(select(Seat.id, Seat.status, Seat.held_by)).all()
    final = {str(r.id): (r.status, r.held_by) for r in rows}
    for seat, (status, holder) in final.items():
        if seat in granted:  # every granted hold is in place, by its one user
            assert (status, {holder}) == ("LOCKED", granted[seat]), seat
        else:  # nothing of a refused hold was left behind
            assert (status, holder) == ("AVAILABLE", None), seat
    per_user: dict[str, int] = defaultdict(int)
    for _, holder in final.values():
        if holder is not None:
            per_user[holder] += 1
    assert max(per_user.values()) <= CAP, per_user
    codes = {a.get("refused") for a in answers}
    assert {"seats_unavailable", "hold_limit_reached"} <= codes, codes  # both rules were met


def test_sqlite_files_are_served_by_the_writer_thread_store(db: Database) -> None:
    store = seat_store_for(db, pool_size=2)
    assert isinstance(store, SqliteSeatStore) == (db.dialect == "sqlite")


def test_a_refused_hold_leaves_nothing_for_the_holds_queued_with_it(
    db: Database, clock: FrozenClock
) -> None:
    _, seats = make_event(db, now=clock(), seats=3)
    store = seat_store_for(db, pool_size=4)

    async def hold(user: str, picks: list[int]) -> str:
        try:
            await store.hold(
                seat_ids=[seats[i] for i in picks],
                user_id=user,
                now=clock(),
                hold_for=timedelta(minutes=15),
                max_per_event=CAP,
            )
        except AppError as exc:
            return exc.code
        return "held"

    async def run() -> list[str]:
        try:
            assert await hold("alice", [0]) == "held"
            # bob's hold takes seat 1 before finding seat 0 taken: undone, so dave gets it
            return list(
                await asyncio.gather(hold("bob", [1, 0]), hold("carol", [2]), hold("dave", [1]))
            )
        finally:
            await store.close()

    assert asyncio.run(run()) == ["seats_unavailable", "held", "held"]
    with db.reader() as session:
        rows = {r.id: r.held_by for r in session.execute(select(Seat.id, Seat.held_by))}
    assert [rows[s] for s in seats] == ["alice", "dave", "carol"]
