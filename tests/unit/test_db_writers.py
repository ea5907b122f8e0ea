"""SQLite writers queue on a lock file beside the database, across processes too."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text

from seatguard.common.db import Database

pytest.importorskip("fcntl")

PROBE = """
import fcntl, sys
fd = open(sys.argv[1], "a")
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("busy")
else:
    print("free")
"""


def probe(lock_file) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(lock_file)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_a_writing_transaction_holds_the_lock_file_until_it_ends(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    lock_file = tmp_path / "w.db-writers.lock"
    try:
        with db.unit_of_work() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            assert probe(lock_file) == "busy"
            with db.unit_of_work():  # re-entrant in the same thread: no deadlock
                pass
            assert probe(lock_file) == "busy"  # still held by the outer transaction
        assert probe(lock_file) == "free"
    finally:
        db.dispose()


HOLDER = """
import fcntl, sys
fd = open(sys.argv[1], "a")
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def test_the_turn_is_taken_without_waiting_only_when_nobody_has_it(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    lock_file = tmp_path / "w.db-writers.lock"
    try:
        assert db.try_writer_turn()
        assert probe(lock_file) == "busy"  # other processes wait for it
        db.end_writer_turn()
        assert probe(lock_file) == "free"
        with db.unit_of_work():  # this very thread writes already: no second turn
            assert not db.try_writer_turn()
        with subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(lock_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as other:
            assert other.stdout is not None
            assert other.stdin is not None
            assert other.stdout.readline().strip() == "locked"
            assert not db.try_writer_turn()  # another process writes
            other.stdin.close()
        assert db.try_writer_turn()
        db.end_writer_turn()
    finally:
        db.dispose()
