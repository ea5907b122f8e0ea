"""One benchmark session: a PostgreSQL cluster started on first need, fresh worlds per run."""

from __future__ import annotations

import contextlib
import resource
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.pg import Cluster, start_cluster
from bench.world import World, new_world


@dataclass
class BenchSession:
    root: Path
    cluster: Cluster | None = None
    worlds: list[World] = field(default_factory=list)

    def world(self, kind: str) -> World:
        if kind == "postgresql" and self.cluster is None:
            self.cluster = start_cluster()
        made = new_world(kind, cluster=self.cluster, root=self.root)
        self.worlds.append(made)
        return made

    def require_cluster(self) -> Cluster:
        if self.cluster is None:
            self.cluster = start_cluster()
        return self.cluster

    def postgres_version(self) -> str:
        return self.require_cluster().version()


def raise_file_limit() -> None:
    """Many concurrent connections need many descriptors: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextmanager
def bench_session(keep: bool = False) -> Iterator[BenchSession]:
    raise_file_limit()
    root = Path(tempfile.mkdtemp(prefix="seatguard-bench-"))
    session = BenchSession(root=root)
    try:
        yield session
    finally:
        if session.cluster is not None:
            session.cluster.stop()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
