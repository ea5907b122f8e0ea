"""What the booking server itself saw during a run (``seatguard bench lean --probe DIR``).

Installed in every process of the server under test through ``bench/probe_site`` (a
``sitecustomize`` put first on its PYTHONPATH, with ``SEATGUARD_PROBE_DIR`` set), so the product
carries no probe of its own. Each process that serves requests writes ``probe-<pid>.json`` to
that folder once a second and as it exits:

- ``request_ms``: each HTTP request's time inside the app, from its entry to its exit;
- ``loop_lag_ms``: how late a 1-ms sleep of the event loop wakes, over and over: the length of
  the loop iteration it waited behind;
- ``writes_on_loop`` / ``writes_handed_over``: SQLite writes run on the event loop, and writes
  handed to the writer thread because another writer kept the turn, with the latter's waits.

A run's wrk latency beside these tells apart time spent in the server's loop from time spent
outside it (the kernel, the client, the disk under both).
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import json
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from bench.stats import quantiles

ENV = "SEATGUARD_PROBE_DIR"
SITE = Path(__file__).with_name("probe_site")

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Any, Any], Awaitable[None]]


class _Samples:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.series: dict[str, list[float]] = {
            "request_ms": [],
            "loop_lag_ms": [],
            "handed_over_wait_ms": [],
        }
        self.counts = {"writes_on_loop": 0, "writes_handed_over": 0}

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.series[name].append(seconds * 1000)

    def count(self, name: str) -> None:
        with self.lock:
            self.counts[name] += 1

    def summary(self) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = dict(self.counts)
            for name, values in self.series.items():
                out[name] = _spread(values)
        return out


def _spread(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    p50, _p95, p99 = quantiles(values)
    top = max(values)
    return {"n": len(values), "p50": round(p50, 2), "p99": round(p99, 2), "max": round(top, 2)}


SAMPLES = _Samples()
_HANDED = contextvars.ContextVar("handed", default=False)  # this task's last write was handed over


def install(directory: Path) -> None:
    """Wrap the booking app factory and the SQLite writer of this process; write what they
    see to ``directory`` once a second."""
    import seatguard.app as app_module
    from seatguard.common import sqlite_writer

    make_app = app_module.booking_app

    def booking_app() -> Any:
        return _timed(make_app())

    app_module.booking_app = booking_app

    writer = sqlite_writer.SqliteWriter
    run_now = writer._run_now
    handed = writer.run

    def _run_now(self: Any, work: Any, committed: Any) -> Any:
        done = run_now(self, work, committed)
        _HANDED.set(done is None)
        SAMPLES.count("writes_on_loop" if done is not None else "writes_handed_over")
        return done

    async def run(self: Any, work: Any, *, committed: Any = None) -> Any:
        started = time.perf_counter()
        _HANDED.set(False)
        try:
            return await handed(self, work, committed=committed)
        finally:
            if _HANDED.get():
                SAMPLES.add("handed_over_wait_ms", time.perf_counter() - started)

    writer._run_now = _run_now  # type: ignore[method-assign]
    writer.run = run  # type: ignore[method-assign]
    path = directory / f"probe-{os.getpid()}.json"
    threading.Thread(target=_dump_every_second, args=(path,), daemon=True).start()
    atexit.register(_dump, path)
    # uvicorn's worker processes end on the SIGTERM it passes back once it has shut down: the
    # handler it finds installed before it writes what the process saw (no atexit runs then).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: _dump(path))


def _timed(app: Asgi) -> Asgi:
    lagging: list[asyncio.Task[None]] = []

    async def timed(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if not lagging:
            lagging.append(asyncio.get_running_loop().create_task(_loop_lag()))
        started = time.perf_counter()
        try:
            await app(scope, receive, send)
        finally:
            SAMPLES.add("request_ms", time.perf_counter() - started)

    return timed


async def _loop_lag() -> None:
    while True:
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        SAMPLES.add("loop_lag_ms", max(0.0, time.perf_counter() - started - 0.001))


def _dump_every_second(path: Path) -> None:
    while True:
        time.sleep(1)
        _dump(path)


def _dump(path: Path) -> None:
    summary = SAMPLES.summary()
    if summary["request_ms"]["n"]:  # a process that served nothing writes nothing
        path.write_text(json.dumps(summary))


def read(directory: Path) -> list[dict[str, Any]]:
    """Each serving process's summary, the busiest first."""
    found = [json.loads(p.read_text()) for p in sorted(directory.glob("probe-*.json"))]
    return sorted(found, key=lambda s: -int(s["request_ms"]["n"]))


def env(directory: Path) -> dict[str, str]:
    """What a server's environment needs for ``install`` to run in each of its processes."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [str(SITE), *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
    return {ENV: str(directory), "PYTHONPATH": os.pathsep.join(paths)}
