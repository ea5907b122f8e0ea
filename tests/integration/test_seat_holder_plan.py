"""The per-user cap's count reads the user's own holds through the holder index, whatever else
the event has held: its cost does not grow with the seats held in a sale."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from seatguard.booking import sqlite_sql
from seatguard.common.migrate import upgrade

PARAMS = {"ids": "[]", "user": "u", "event": "e", "now": "2026-01-01", "until": "2026-01-02"}


def test_sqlite_counts_a_users_holds_through_the_holder_index(tmp_path: Path) -> None:
    path = tmp_path / "plan.db"
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        plan = conn.execute("EXPLAIN QUERY PLAN " + sqlite_sql.HELD_ELSEWHERE, PARAMS).fetchall()
    searches = [row[3] for row in plan if "seats" in row[3]]
    assert searches == [
        "SEARCH seats USING INDEX ix_seats_holder (held_by=? AND event_id=? AND status=?)"
    ]
