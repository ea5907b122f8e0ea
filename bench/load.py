"""A bounded asyncio load generator on httpx: ``connections`` loops share a request budget.

It stops by itself: when ``max_ops`` operations have started, or when ``duration`` seconds
have passed (running requests are then given ``grace`` seconds and cancelled). Loopback only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.rawhttp import RawClient, RawHTTPError, RawResponse

Client = httpx.AsyncClient | RawClient


@dataclass(frozen=True, slots=True)
class Sample:
    label: str
    status: int  # 0 when the request failed without an answer
    latency: float  # seconds
    error: str = ""
    key: str = ""  # what the request was about (e.g. a seat id)


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)

    async def call(
        self,
        client: Client,
        label: str,
        method: str,
        url: str,
        *,
        key: str = "",
        **kwargs: Any,
    ) -> httpx.Response | RawResponse | None:
        start = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except (httpx.HTTPError, RawHTTPError) as exc:
            self.samples.append(
                Sample(label, 0, time.perf_counter() - start, type(exc).__name__, key)
            )
            return None
        self.samples.append(
            Sample(label, response.status_code, time.perf_counter() - start, "", key)
        )
        return response


Operation = Callable[[Client, Recorder, int, int], Coroutine[Any, Any, None]]


@dataclass
class LoadResult:
    samples: list[Sample]
    elapsed: float
    operations: int


def ensure_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise ValueError(f"load is only sent to loopback addresses, not {host!r}")


def _client(base_url: str, engine: str, connections: int, timeout: float) -> Client:
    """``raw`` (the lean client, default) or ``httpx`` (for forms, redirects, absolute URLs)."""
    if engine == "raw":
        return RawClient(base_url, limit=connections, timeout=timeout)
    # Drop idle connections before uvicorn's 5-second keep-alive timeout closes them under us.
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout)


async def _run(
    base_url: str,
    op: Operation,
    *,
    connections: int,
    max_ops: int,
    duration: float,
    grace: float,
    engine: str,
) -> LoadResult:
    ensure_loopback(base_url)
    recorder = Recorder()
    started = 0
    deadline = time.monotonic() + duration
    async with _client(base_url, engine, connections, 30) as client:

        async def loop(slot: int) -> None:
            nonlocal started
            turn = 0
            while started < max_ops and time.monotonic() < deadline:
                started += 1
                await op(client, recorder, slot, turn)
                turn += 1

        begin = time.perf_counter()
        tasks = [asyncio.create_task(loop(slot)) for slot in range(connections)]
        _done, pending = await asyncio.wait(tasks, timeout=duration + grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        elapsed = time.perf_counter() - begin
    return LoadResult(samples=recorder.samples, elapsed=elapsed, operations=started)


def run_load(
    base_url: str,
    op: Operation,
    *,
    connections: int,
    max_ops: int,
    duration: float,
    grace: float = 30.0,
    engine: str = "raw",
) -> LoadResult:
    """Run ``op(client, recorder, slot, turn)`` from ``connections`` concurrent loops."""
    return asyncio.run(
        _run(
            base_url,
            op,
            connections=connections,
            max_ops=max_ops,
            duration=duration,
            grace=grace,
            engine=engine,
        )
    )


async def _burst(
    base_url: str, op: Operation, *, attempts: int, timeout: float, engine: str
) -> LoadResult:
    ensure_loopback(base_url)
    recorder = Recorder()
    async with _client(base_url, engine, attempts, timeout) as client:
        begin = time.perf_counter()
        tasks = [asyncio.create_task(op(client, recorder, i, 0)) for i in range(attempts)]
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        elapsed = time.perf_counter() - begin
    return LoadResult(samples=recorder.samples, elapsed=elapsed, operations=attempts)


def run_burst(
    base_url: str, op: Operation, *, attempts: int, timeout: float = 60, engine: str = "raw"
) -> LoadResult:
    """Start ``attempts`` operations at once (each on its own connection), wait for all."""
    return asyncio.run(_burst(base_url, op, attempts=attempts, timeout=timeout, engine=engine))
