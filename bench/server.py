"""Start a real ``seatguard`` process on loopback, wait for /health, sample its memory, stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.pg import free_port

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CHECKOUT = Path(__file__).resolve().parents[1]  # the repository: ``python -m bench.…`` needs it


def child_env(env: dict[str, str]) -> dict[str, str]:
    """This environment plus ``env``, with the repository on PYTHONPATH (``bench`` is no package
    of the installed ``seatguard``, so a child started as ``python -m bench.…`` finds it here)."""
    merged = {**os.environ, **env}
    paths = [p for p in merged.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(CHECKOUT) not in paths:
        merged["PYTHONPATH"] = os.pathsep.join([*paths, str(CHECKOUT)])
    return merged


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 once it is gone), from /proc."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0 once it is gone), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_cpu_seconds() -> float:
    """CPU time every core of the machine has been busy so far (all processes), from /proc."""
    with open("/proc/stat") as fh:
        fields = fh.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    """Direct and indirect children (uvicorn's worker processes), from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == current]
        found.extend(kids)
        frontier.extend(kids)
    return found


@dataclass
class RssSampler:
    """Peak RSS per process of a process tree, sampled in a thread every ``interval`` seconds."""

    root_pids: list[int]
    interval: float = 0.25
    peaks: dict[int, int] = field(default_factory=dict)
    cpu_first: dict[int, float] = field(default_factory=dict)
    cpu_last: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        for root in self.root_pids:
            for pid in [root, *children_of(root)]:
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss_bytes(pid))
                used = cpu_seconds(pid)
                if used:
                    self.cpu_first.setdefault(pid, used)
                    self.cpu_last[pid] = used

    def add(self, pid: int) -> None:
        """Sample a process started after the others, its CPU counted from its start."""
        self.cpu_first[pid] = 0.0
        self.root_pids.append(pid)

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=loop, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.sample()

    @property
    def cpu_s(self) -> float:
        """CPU seconds the processes used while sampled (all of them together)."""
        return sum(self.cpu_last[p] - self.cpu_first[p] for p in self.cpu_last)

    @property
    def peak_mb(self) -> float:
        """The largest peak of any single process, in MiB."""
        return max(self.peaks.values(), default=0) / 2**20

    @property
    def pids(self) -> list[int]:
        return sorted(self.peaks)


@dataclass
class Process:
    proc: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"server exited early ({proc.returncode}):\n{tail}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server at {url} did not become healthy")
        time.sleep(0.2)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def spawn(
    args: list[str],
    *,
    env: dict[str, str],
    log_path: Path,
    port: int | None = None,
    health: str | None = "/health",
    timeout: float = 90,
) -> Iterator[Process]:
    """Run ``python -m seatguard ARGS`` (with ``--host/--port`` when ``health`` is set)."""
    cmd = [sys.executable, "-m", *args]
    base = ""
    if health is not None:
        port = port or free_port()
        cmd += ["--host", "127.0.0.1", "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            cmd, env=child_env(env), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        if health is not None:
            _wait_healthy(proc, base + health, log_path, timeout)
        yield Process(proc=proc, base_url=base, log_path=log_path)
    finally:
        stop_process(proc)
