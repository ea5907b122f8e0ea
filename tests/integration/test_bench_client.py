"""The harness's own parts: the lean HTTP client on a real server, percentiles, loopback only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from bench.load import Client, Recorder, ensure_loopback, run_burst, run_load
from bench.profile import summarise
from bench.rawhttp import RawClient, RawHTTPError
from bench.stats import percentile, status_counts
from tests.support.sandbox import serve_app


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse({"got": body, "auth": request.headers.get("authorization")})

    @app.get("/chunked")
    def chunked() -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            for piece in (b'{"a":', b"1", b"}"):
                yield piece

        return StreamingResponse(parts(), media_type="application/json")

    @app.get("/bye")
    def bye() -> JSONResponse:
        return JSONResponse({"bye": True}, status_code=409, headers={"Connection": "close"})

    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_app(_app()) as url:
        yield url


def test_raw_client_speaks_json_chunked_and_close(base: str) -> None:
    async def go() -> list[object]:
        async with RawClient(base, limit=1) as client:
            echoed = await client.request(
                "POST", "/echo", json={"seatIds": ["x"]}, headers={"Authorization": "Bearer t"}
            )
            streamed = await client.request("GET", "/chunked")
            closed = await client.request("GET", "/bye")
            after = await client.request("POST", "/echo", json=[1, 2])  # on a new connection
            return [
                echoed.status_code,
                echoed.json(),
                streamed.json(),
                closed.status_code,
                closed.json(),
                after.json()["got"],
            ]

    assert asyncio.run(go()) == [
        200,
        {"got": {"seatIds": ["x"]}, "auth": "Bearer t"},
        {"a": 1},
        409,
        {"bye": True},
        [1, 2],
    ]


def test_raw_client_reports_refused_connections() -> None:
    async def go() -> None:
        async with RawClient("http://127.0.0.1:9", limit=1, timeout=2) as client:
            await client.request("GET", "/")

    with pytest.raises(RawHTTPError):
        asyncio.run(go())


def test_load_is_bounded_by_count_and_records_every_answer(base: str) -> None:
    async def op(client: Client, rec: Recorder, slot: int, turn: int) -> None:
        await rec.call(client, "echo", "POST", "/echo", json={"slot": slot}, key=str(turn))

    result = run_load(base, op, connections=4, max_ops=37, duration=30)
    assert result.operations == 37
    assert len(result.samples) == 37
    assert status_counts(result.samples) == {"200": 37}
    assert all(s.latency > 0 for s in result.samples)

    burst = run_burst(base, op, attempts=20, engine="httpx")
    assert status_counts(burst.samples) == {"200": 20}


def test_load_is_bounded_by_time(base: str) -> None:
    async def op(client: Client, rec: Recorder, _slot: int, _turn: int) -> None:
        await rec.call(client, "echo", "POST", "/echo", json={})
        await asyncio.sleep(0.05)

    result = run_load(base, op, connections=2, max_ops=1_000_000, duration=0.5)
    assert 0 < result.operations < 1000
    assert result.elapsed < 5


@pytest.mark.parametrize("url", ["http://10.0.0.1:80", "http://example.com", "http://[::2]:80"])
def test_load_goes_to_loopback_only(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        ensure_loopback(url)


def test_loopback_addresses_are_allowed() -> None:
    for url in ("http://127.0.0.1:4000", "http://localhost:1", "http://[::1]:80"):
        ensure_loopback(url)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7
    assert percentile([], 99) == 0


def test_profile_summary_counts_inclusive_and_self(tmp_path: Path) -> None:
    raw = tmp_path / "p.txt"
    raw.write_text(
        "main (a.py:1);hold (holds.py:2);execute (db.py:3) 6\n"
        "main (a.py:1);hold (holds.py:2) 2\n"
        "main (a.py:1);render (pdf.py:9) 2\n"
    )
    text = summarise(raw)
    assert text.startswith("10 samples")
    assert " 80.0%  hold holds.py:2" in text
    assert " 60.0%  execute db.py:3" in text
    assert "100.0%  main a.py:1" in text


def test_profile_summary_attributes_samples_to_the_innermost_known_layer(tmp_path: Path) -> None:
    raw = tmp_path / "p.txt"
    raw.write_text(
        "run (uvicorn/server.py:1);hold (seatguard/booking/holds.py:2);"
        "execute (sqlalchemy/orm/session.py:3);wait (psycopg/connection.py:4) 5\n"
        "run (uvicorn/server.py:1);hold (seatguard/booking/holds.py:2);"
        "execute (sqlalchemy/orm/session.py:3);acquire (threading.py:9) 3\n"
        "run (uvicorn/server.py:1);sleep (time.py:7) 2\n"
    )
    text = summarise(raw)
    assert " 50.0%  psycopg (PostgreSQL driver)" in text
    assert " 30.0%  SQLAlchemy" in text  # its own wait in the standard library counts as its
    assert " 20.0%  uvicorn" in text
