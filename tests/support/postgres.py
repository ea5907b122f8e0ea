"""A throwaway PostgreSQL cluster for the test session (initdb + pg_ctl, no Docker).

The cluster itself is the benchmark harness's (``bench.pg``); tests add restarts.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from bench.pg import Cluster, find_pg_bin, free_port, start_cluster

__all__ = ["PostgresServer", "find_pg_bin", "free_port", "scratch_database", "start_postgres"]


class PostgresServer(Cluster):
    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def restart(self) -> None:
        # -l keeps the new postmaster off our pipes: it would hold them open and block us.
        log = str(self.data_dir / "server.log")
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-l", log, "restart"),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )


def start_postgres() -> PostgresServer:
    return start_cluster(prefix="seatguard-pg-", kind=PostgresServer)


@contextmanager
def scratch_database(url: str, name: str) -> Iterator[str]:
    """A new, empty database ``name`` on the server of ``url`` (any of its databases), dropped
    afterwards; yields its URL in the same form as ``url`` (SQLAlchemy or plain libpq)."""
    base = url.rsplit("/", 1)[0]
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
