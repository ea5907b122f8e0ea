"""Where the hot seat actions run: PostgreSQL on the event loop, SQLite on a writer thread.

``PgSeatStore`` answers a hold, a release or a seat-map read in one round trip each, with
the named statements of ``seats_sql`` on async psycopg connections (no threadpool, no ORM);
holds that wait for a connection go together (``HoldBatches``). ``sqlite_store`` does the
same on one writer thread per process. ``SessionSeatStore`` runs the same actions through
``holds`` in a SQLAlchemy unit of work, and the seat map through ``map_reads``, on a
worker thread: the reference both are tested against, and the path of an in-memory SQLite
database.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import psycopg
from starlette.concurrency import run_in_threadpool

from seatguard.booking import live, map_reads, seats_sql
from seatguard.booking.domain import SalesWindow
from seatguard.booking.holds import (
    Hold,
    hold_seats,
    release_refusal,
    release_seat,
    wanted_seats,
)
from seatguard.booking.sales_rules import refuse_sale
from seatguard.booking.seatmap import (
    MAP_CHUNK,
    MapRow,
    MapSeat,
    RowSink,
    map_seat,
    map_seat_of,
    rows_in_map_order,
)
from seatguard.booking.sqlite_store import SqliteSeatStore
from seatguard.common.db import Database
from seatguard.common.errors import Conflict, Invalid, NotFound
from seatguard.common.metrics import HOLD_BATCHES
from seatguard.common.pgpool import AsyncPool

Changed = Callable[[uuid.UUID], None]


class SeatStore(Protocol):
    async def hold(
        self,
        *,
        seat_ids: Sequence[uuid.UUID],
        user_id: str,
        now: datetime,
        hold_for: timedelta,
        max_per_event: int,
    ) -> Hold: ...

    async def release(self, *, seat_id: uuid.UUID, user_id: str, now: datetime) -> MapSeat: ...

    async def seat_map(self, *, event_id: uuid.UUID, now: datetime) -> list[MapSeat]: ...

    async def read_map(self, *, event_id: uuid.UUID, into: RowSink) -> None:
        """The map's rows as the database has them (no clock applied), in map order, given to
        ``into`` in chunks as they are read (``seatmap.RowSink``)."""
        ...

    async def close(self) -> None: ...


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _nothing(_event_id: uuid.UUID) -> None:
    """No kept seat maps to forget."""


@dataclass(frozen=True, slots=True)
class _Asked:
    """One hold request, as the batch function takes it (naive UTC times)."""

    user: str
    ids: list[uuid.UUID]
    now: datetime
    until: datetime
    room: int  # the per-event cap less the seats asked for


_Waiting = tuple[_Asked, "asyncio.Future[tuple[Any, ...]]"]


class HoldBatches:
    """Group commit for holds. A hold goes to the database at once while a connection is
    free; holds that arrive while every connection is busy wait, and the next connection
    free takes all of them (up to ``most``) in one call of ``seats_sql.HOLDS_FUNCTION``: one
    round trip, one transaction and one commit for the batch, each request still answered on
    its own (all of its seats or none, within its user's cap). Under contention a thousand
    attempts at one seat cost a few statements instead of a thousand.

    A batch that fails on a database error other than a lost connection is retried one
    request at a time, so one request cannot take the others' answers down with it.
    """

    def __init__(self, pool: AsyncPool, *, most: int = 64) -> None:
        self._pool = pool
        self._most = most
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: list[_Waiting] = []
        self._lanes = 0  # batches running: at most one per connection of the pool
        self._tasks: set[asyncio.Task[None]] = set()
        self.largest = 0  # the most holds one statement has taken

    async def take(self, asked: _Asked) -> tuple[Any, ...]:
        """The ``HOLD`` row answering ``asked``."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # served by a new loop: nothing of the old one carries over
            self._loop, self._waiting, self._lanes, self._tasks = loop, [], 0, set()
        future: asyncio.Future[tuple[Any, ...]] = loop.create_future()
        self._waiting.append((asked, future))
        if self._lanes < self._pool.max_size:
            self._lanes += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        loop = self._loop
        try:
            while self._waiting:
                batch = self._waiting[: self._most]
                del self._waiting[: self._most]
                await self._run(batch)
        finally:
            if loop is self._loop:
                self._lanes -= 1

    async def _run(self, batch: list[_Waiting]) -> None:
        batch.sort(key=lambda waiting: waiting[0].user)  # user locks in one order: no deadlock
        HOLD_BATCHES.observe(len(batch))
        self.largest = max(self.largest, len(batch))
        try:
            rows = await self._execute([asked for asked, _ in batch])
        except psycopg.OperationalError as exc:  # the database is gone: 503 for each
            for _, future in batch:
                _fail(future, psycopg.OperationalError(str(exc)))
            return
        except psycopg.Error as exc:
            if len(batch) == 1:
                _fail(batch[0][1], exc)
                return
            for waiting in batch:
                await self._run([waiting])
            return
        except BaseException as exc:  # cancelled with the server: the waiters are told too
            for _, future in batch:
                _fail(future, exc)
            raise
        for (_, future), row in zip(batch, rows, strict=True):
            if not future.done():
                future.set_result(row)

    async def _execute(self, asked: list[_Asked]) -> list[tuple[Any, ...]]:
        params = {
            "users": [a.user for a in asked],
            "ids": [seat for a in asked for seat in a.ids],
            "counts": [len(a.ids) for a in asked],
            "now": [a.now for a in asked],
            "until": [a.until for a in asked],
            "room": [a.room for a in asked],
        }
        async with self._pool.connection() as conn:
            cur = await conn.execute(seats_sql.HOLDS, params, prepare=True)
            return await cur.fetchall()


def _fail(future: asyncio.Future[tuple[Any, ...]], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


class PgSeatStore:
    """``changed`` is told of every event whose seats a hold or release changed (committed)."""

    def __init__(self, pool: AsyncPool, *, changed: Changed = _nothing) -> None:
        self._pool = pool
        self._changed = changed
        self.holds = HoldBatches(pool)

    async def hold(
        self,
        *,
        seat_ids: Sequence[uuid.UUID],
        user_id: str,
        now: datetime,
        hold_for: timedelta,
        max_per_event: int,
    ) -> Hold:
        wanted = wanted_seats(seat_ids)
        asked = _Asked(
            user=user_id,
            ids=wanted,
            now=_naive(now),
            until=_naive(now + hold_for),
            room=max_per_event - len(wanted),
        )
        row = await self.holds.take(asked)
        found, events, event_id, on_sale, upcoming, held = row[:6]
        status, starts_at, sales_start_at, sales_end_at = row[6:10]
        known, free, taken, expires_at = row[10:14]
        if found != len(wanted):
            missing = set(wanted) - set(known)
            raise NotFound(
                "Some seats do not exist.",
                code="seat_not_found",
                details={"seatIds": sorted(str(s) for s in missing)},
            )
        if events > 1:
            raise Invalid("All seats of one hold must belong to one event.", code="mixed_events")
        if not (on_sale and upcoming):
            window = SalesWindow(
                status=status,
                starts_at=_aware(starts_at) or now,
                sales_start_at=_aware(sales_start_at),
                sales_end_at=_aware(sales_end_at),
            )
            refuse_sale(window, now=now)
            raise AssertionError(f"the hold statement refused a sale the rule allows: {window}")
        if taken != len(wanted):
            if held > max_per_event - len(wanted):
                raise Conflict(
                    f"At most {max_per_event} seats may be held per event.",
                    code="hold_limit_reached",
                    details={"limit": max_per_event},
                )
            not_free = sorted(str(s) for s in set(wanted) - set(free))
            raise Conflict(
                "Some seats are held or sold by someone else.",
                code="seats_unavailable",
                details={"seatIds": not_free},
            )
        until = _aware(expires_at)
        assert until is not None
        self._changed(event_id)
        return Hold(event_id=event_id, seat_ids=tuple(wanted), user_id=user_id, expires_at=until)

    async def release(self, *, seat_id: uuid.UUID, user_id: str, now: datetime) -> MapSeat:
        params = {"seat": seat_id, "user": user_id, "now": _naive(now)}
        async with self._pool.connection() as conn:
            cur = await conn.execute(seats_sql.RELEASE, params, prepare=True)
            row = await cur.fetchone()
        if row is None:
            raise NotFound("No such seat.", code="seat_not_found")
        sid, event_id, section, row_name, number, price, status, held_by, until, order_id = row[:10]
        released = row[10]
        if released:
            self._changed(event_id)
            return map_seat(
                id=sid,
                event_id=event_id,
                section=section,
                row=row_name,
                number=number,
                price_minor=price,
                status="AVAILABLE",
                held_until=None,
                now=now,
                accessible=row[12],
                gap_before=row[13],
            )
        raise release_refusal(
            status=status,
            held_by=held_by,
            held_until=_aware(until),
            order_id=order_id,
            user_id=user_id,
            now=now,
        )

    async def seat_map(self, *, event_id: uuid.UUID, now: datetime) -> list[MapSeat]:
        return [map_seat_of(r, now) for r in await self._map_rows(event_id=event_id)]

    async def _map_rows(self, *, event_id: uuid.UUID) -> list[MapRow]:
        async with self._pool.connection() as conn:
            cur = await conn.execute(seats_sql.SEAT_MAP, {"event": event_id}, prepare=True)
            rows = await cur.fetchall()
        if not rows:
            raise NotFound("No such event.", code="event_not_found")
        return rows_in_map_order(r for r in rows if r[0] is not None)

    async def read_map(self, *, event_id: uuid.UUID, into: RowSink) -> None:
        found = False
        async with self._pool.connection() as conn, conn.transaction():
            cursor = conn.cursor(name="seat_map")  # server-side: FETCH a chunk at a time
            await cursor.execute(seats_sql.SEAT_MAP_ORDERED, {"event": event_id})
            while rows := await cursor.fetchmany(MAP_CHUNK):
                found = True
                seats = [r for r in rows if r[0] is not None]
                if len(rows) < MAP_CHUNK:
                    into(seats)
                else:  # a stadium's: written off the event loop
                    await run_in_threadpool(into, seats)
            await cursor.close()
        if not found:
            raise NotFound("No such event.", code="event_not_found")

    async def close(self) -> None:
        await self._pool.close()


class SessionSeatStore:
    """The same actions in a SQLAlchemy unit of work, run on a worker thread."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def hold(
        self,
        *,
        seat_ids: Sequence[uuid.UUID],
        user_id: str,
        now: datetime,
        hold_for: timedelta,
        max_per_event: int,
    ) -> Hold:
        def take() -> Hold:
            with self._db.unit_of_work() as session:
                hold = hold_seats(
                    session,
                    seat_ids=seat_ids,
                    user_id=user_id,
                    now=now,
                    hold_for=hold_for,
                    max_per_event=max_per_event,
                )
                live.announce(session, live.hold_changes(hold), held_until=hold.expires_at)
                return hold

        return await run_in_threadpool(take)

    async def release(self, *, seat_id: uuid.UUID, user_id: str, now: datetime) -> MapSeat:
        def give_back() -> MapSeat:
            with self._db.unit_of_work() as session:
                seat = release_seat(session, seat_id=seat_id, user_id=user_id, now=now)
                live.announce(session, live.freed(seat.event_id, [seat.id]))
                return _from_row(seat, now)

        return await run_in_threadpool(give_back)

    async def seat_map(self, *, event_id: uuid.UUID, now: datetime) -> list[MapSeat]:
        return await map_reads.seat_map(self._db, event_id=event_id, now=now)

    async def read_map(self, *, event_id: uuid.UUID, into: RowSink) -> None:
        await map_reads.read_map(self._db, event_id=event_id, into=into)

    async def close(self) -> None:
        """Nothing of its own to close (the Database belongs to the app)."""


def _from_row(seat: Any, now: datetime) -> MapSeat:
    return map_seat(
        id=seat.id,
        event_id=seat.event_id,
        section=seat.section,
        row=seat.row,
        number=seat.number,
        price_minor=seat.price_minor,
        status=seat.status,
        held_until=seat.held_until,
        now=now,
        accessible=seat.accessible,
        gap_before=seat.gap_before,
    )


def _touched(db: Database, event_id: uuid.UUID) -> None:
    live.touched(db, [event_id])


def seat_store_for(db: Database, *, pool_size: int) -> SeatStore:
    """PostgreSQL's async store; SQLite's writer-thread store for a database file; the
    unit-of-work store otherwise (an in-memory database has no second connection)."""
    if db.dialect == "postgresql":
        forget = functools.partial(_touched, db)
        pool = AsyncPool(db.url, max_size=pool_size, setup=[seats_sql.HOLDS_FUNCTION])
        return PgSeatStore(pool, changed=forget)
    if db.dialect == "sqlite" and SqliteSeatStore.serves(db):
        return SqliteSeatStore(db)
    return SessionSeatStore(db)
