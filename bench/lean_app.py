"""The lean baseline: the leanest honest Python hold server, measured beside SeatGuard.

Raw ASGI (no framework) under uvicorn with httptools and uvloop; a small pool of psycopg
``AsyncConnection``s with prepared statements; the HS256 token verified on every request
(algorithm pinned, ``exp`` required, issuer and audience checked, as SeatGuard does); the JSON
body parsed and its seat ids validated; then one statement on SeatGuard's own ``seats`` table:
the conditional ``UPDATE … RETURNING`` of a hold, all or nothing for several seats. It checks
neither the event's sale window nor the per-user cap and announces nothing to the live map:
it is what any Python server at least spends on a hold. On SQLite (a ``sqlite:///`` URL) the
same statement runs on one writer thread with the stdlib driver (``bench.lean_sqlite``).

Run as ``python -m bench.lean_app --port P [--workers N]`` with ``DATABASE_URL`` and
``JWT_SECRET`` (``JWT_ISSUER``, ``JWT_AUDIENCE`` and ``LEAN_POOL_SIZE`` optional).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import psycopg
import uvicorn

from bench import lean_sqlite

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HOLD_PATH = "/api/v1/seats/lock"
MAX_BODY = 64 * 1024
MAX_SEATS = 50
HOLD_FOR = timedelta(minutes=float(os.environ.get("HOLD_MINUTES", "15")))

# Free for this user: available, a hold that has run out, or already the user's. The seats
# are locked in id order, skipping rows another hold is writing; the UPDATE runs only when
# every seat asked for was free (one statement, so all or nothing without a transaction).
HOLD = """\
WITH target AS (
  SELECT id FROM seats
  WHERE id = ANY(%(ids)s)
    AND (status = 'AVAILABLE'
         OR (status = 'LOCKED' AND (held_until <= %(now)s OR held_by = %(user)s)))
  ORDER BY id FOR UPDATE SKIP LOCKED
), mine AS (
  SELECT id FROM seats
  WHERE id IN (SELECT id FROM target)
    AND status = 'LOCKED' AND held_by = %(user)s AND held_until > %(now)s
)
UPDATE seats SET
  status = 'LOCKED',
  held_by = %(user)s,
  held_until = CASE WHEN seats.id IN (SELECT id FROM mine) THEN seats.held_until
                    ELSE %(until)s END,
  order_id = CASE WHEN seats.id IN (SELECT id FROM mine) THEN seats.order_id END,
  version = seats.version + 1,
  updated_at = %(now)s
WHERE seats.id IN (SELECT id FROM target)
  AND (SELECT count(*) FROM target) = %(wanted)s
RETURNING seats.id, seats.held_until"""

RELEASE = """\
UPDATE seats SET status = 'AVAILABLE', held_by = NULL, held_until = NULL, order_id = NULL,
  version = version + 1, updated_at = %(now)s
WHERE id = %(id)s AND status = 'LOCKED' AND held_by = %(user)s AND held_until > %(now)s
  AND order_id IS NULL
RETURNING id"""


class Pool:
    """A fixed set of autocommit connections, lent one request at a time."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn = dsn
        self.size = size
        self.idle: asyncio.LifoQueue[psycopg.AsyncConnection[Any]] = asyncio.LifoQueue()

    async def open(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(await psycopg.AsyncConnection.connect(self.dsn, autocommit=True))

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        conn = await self.idle.get()
        try:
            if conn.closed:
                conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
            yield conn
        finally:
            self.idle.put_nowait(conn)


class Refused(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def _dsn() -> str:
    url = os.environ["DATABASE_URL"]
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


SECRET = os.environ.get("JWT_SECRET", "")
ISSUER = os.environ.get("JWT_ISSUER", "seatguard-auth")
AUDIENCE = os.environ.get("JWT_AUDIENCE", "seatguard")
URL = os.environ.get("DATABASE_URL", "")
SQLITE = "sqlite:///"
pool = (
    Pool(_dsn(), int(os.environ.get("LEAN_POOL_SIZE", "10")))
    if URL and not URL.startswith(SQLITE)
    else None
)
writer = lean_sqlite.Writer(URL[len(SQLITE) :]) if URL.startswith(SQLITE) else None


def _user(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token:
                break
            try:
                claims = jwt.decode(
                    token,
                    SECRET,
                    algorithms=["HS256"],
                    audience=AUDIENCE,
                    issuer=ISSUER,
                    options={"require": ["exp"]},
                )
            except jwt.PyJWTError:
                raise Refused(401, "invalid_token") from None
            subject = claims.get("sub")
            if not isinstance(subject, str) or not subject:
                raise Refused(401, "invalid_token")
            return subject
    raise Refused(401, "not_authenticated")


async def _body(receive: Receive) -> Any:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, "body_too_large")
        chunks.append(chunk)
        more = message.get("more_body", False)
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        raise Refused(422, "invalid_json") from None


def _seat_ids(payload: Any) -> list[uuid.UUID]:
    raw = payload.get("seatIds") if isinstance(payload, dict) else None
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_SEATS:
        raise Refused(422, "invalid_seat_ids")
    try:
        return list(dict.fromkeys(uuid.UUID(s) for s in raw))
    except (TypeError, ValueError, AttributeError):
        raise Refused(422, "invalid_seat_ids") from None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as the seats table stores it


async def hold(scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
    user = _user(scope)
    payload = await _body(receive)
    wanted = _seat_ids(payload)
    now = _now()
    if writer is not None:
        work = functools.partial(lean_sqlite.hold, wanted=wanted, user=user, now=now)
        rows = await writer.run(functools.partial(work, until=now + HOLD_FOR))
        if len(rows) != len(wanted):
            return 409, {"error": "seats_unavailable"}
        expires = datetime.fromisoformat(min(r[1] for r in rows))
        return 200, {
            "seatIds": [str(s) for s in wanted],
            "expiresAt": expires.replace(tzinfo=UTC).isoformat(),
        }
    params = {"ids": wanted, "user": user, "now": now, "until": now + HOLD_FOR}
    assert pool is not None
    async with pool.connection() as conn:
        cur = await conn.execute(HOLD, {**params, "wanted": len(wanted)}, prepare=True)
        rows = await cur.fetchall()
    if len(rows) != len(wanted):
        return 409, {"error": "seats_unavailable"}
    expires = min(r[1] for r in rows)
    return 200, {
        "seatIds": [str(s) for s in wanted],
        "expiresAt": expires.replace(tzinfo=UTC).isoformat(),
    }


async def release(scope: Scope, seat: str) -> tuple[int, dict[str, Any]]:
    user = _user(scope)
    try:
        seat_id = uuid.UUID(seat)
    except ValueError:
        raise Refused(422, "invalid_seat_id") from None
    if writer is not None:
        work = functools.partial(lean_sqlite.release, seat=seat_id, user=user, now=_now())
        released = await writer.run(work)
    else:
        assert pool is not None
        async with pool.connection() as conn:
            cur = await conn.execute(
                RELEASE, {"id": seat_id, "user": user, "now": _now()}, prepare=True
            )
            released = await cur.fetchone() is not None
    if not released:
        return 409, {"error": "not_your_hold"}
    return 200, {"id": str(seat_id), "status": "AVAILABLE"}


async def health() -> tuple[int, dict[str, Any]]:
    if writer is not None:
        await writer.run(lean_sqlite.health)
        return 200, {"status": "ok"}
    assert pool is not None
    async with pool.connection() as conn:
        await conn.execute("SELECT 1", prepare=True)
    return 200, {"status": "ok"}


async def _route(scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
    method, path = scope["method"], scope["path"]
    if path == HOLD_PATH and method == "POST":
        return await hold(scope, receive)
    if path.startswith(HOLD_PATH + "/") and method == "DELETE":
        return await release(scope, path[len(HOLD_PATH) + 1 :])
    if path == "/health" and method == "GET":
        return await health()
    return 404, {"error": "not_found"}


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if pool is not None:
                await pool.open()
            if writer is not None:
                writer.open()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if pool is not None:
                await pool.close()
            if writer is not None:
                await asyncio.to_thread(writer.close)
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    try:
        status, answer = await _route(scope, receive)
    except Refused as refused:
        status, answer = refused.status, {"error": refused.code}
    body = json.dumps(answer).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bench.lean_app:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        http="httptools",
        loop="uvloop",
        lifespan="on",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
