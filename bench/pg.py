"""A throwaway PostgreSQL cluster on loopback (initdb + pg_ctl; runs as ``postgres`` under root)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psycopg


def find_pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def find_pgbench() -> Path | None:
    """``pgbench`` beside ``initdb``, else on PATH, else in Debian's versioned folder."""
    bin_dir = find_pg_bin()
    if bin_dir and (bin_dir / "pgbench").exists():
        return bin_dir / "pgbench"
    found = shutil.which("pgbench")
    if found:
        return Path(found)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return Path(candidates[-1]) if candidates else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bin_dir: Path
    data_dir: Path
    port: int
    as_user: str | None

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def version(self) -> str:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        return ["runuser", "-u", self.as_user, "--", *cmd] if self.as_user else cmd

    def start(self) -> None:
        subprocess.run(  # noqa: S603 - PostgreSQL's own tools
            self._cmd(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        opts = (
            f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=400 -c shared_buffers=128MB"
        )
        log = str(self.data_dir / "server.log")
        subprocess.run(  # noqa: S603 - PostgreSQL's own tools
            self._cmd(
                "pg_ctl", "-D", str(self.data_dir), "-o", opts, "-w", "-t", "60", "-l", log, "start"
            ),
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start")

    def stop(self) -> None:
        subprocess.run(  # noqa: S603 - PostgreSQL's own tools
            self._cmd("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop"),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


ClusterT = TypeVar("ClusterT", bound=Cluster)


def start_cluster(
    *,
    prefix: str = "seatguard-bench-pg-",
    kind: type[ClusterT] = Cluster,  # type: ignore[assignment]
) -> ClusterT:
    """initdb a cluster in a temporary folder and start it on a free loopback port."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise FileNotFoundError("initdb not found (install Debian's postgresql package)")
    base = Path(tempfile.mkdtemp(prefix=prefix))
    as_user = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        as_user = "postgres"
        shutil.chown(base, user=as_user)
        base.chmod(0o755)
    cluster = kind(bin_dir=bin_dir, data_dir=base / "data", port=free_port(), as_user=as_user)
    cluster.start()
    return cluster
