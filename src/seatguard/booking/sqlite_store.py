"""SQLite's hot seat path: the named statements of ``sqlite_sql`` on one writer connection.

A hold or a release is a piece of work for this process's ``SqliteWriter``: run at once on
the event loop when the database's writer turn is free, else on its writer thread (its
connection kept open, in the database's writer queue with every other writer), so a request
costs a few cached statements instead of a unit of work on the threadpool. The rules and the
answers are those of ``holds`` (and of ``PgSeatStore``): the sale rule, the per-user cap, all
or nothing, a user's own hold keeps its expiry. Live seat maps hear of a change once its
transaction has committed. The seat map is read through the catalogue on the threadpool
(``map_reads``: readers do not queue).
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from seatguard.booking import live, map_reads, sqlite_sql
from seatguard.booking.domain import SalesWindow
from seatguard.booking.holds import Hold, release_refusal, wanted_seats
from seatguard.booking.sales_rules import refuse_sale
from seatguard.booking.seatmap import MapSeat, RowSink, map_seat
from seatguard.common.db import Database
from seatguard.common.errors import Conflict, Invalid, NotFound
from seatguard.common.sqlite_writer import SqliteWriter


def _text(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")  # twice strftime's speed


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _ids(seat_ids: Sequence[uuid.UUID]) -> str:
    """``json.dumps`` of the hex ids, written directly (hex digits need no escaping)."""
    return '["' + '", "'.join([s.hex for s in seat_ids]) + '"]' if seat_ids else "[]"


def take(
    conn: sqlite3.Connection,
    *,
    wanted: list[uuid.UUID],
    user_id: str,
    now: datetime,
    hold_for: timedelta,
    max_per_event: int,
) -> Hold:
    """Hold every seat of ``wanted`` or refuse; the writer's savepoint undoes a refusal."""
    ids, at = _ids(wanted), _text(now)
    asked = conn.execute(sqlite_sql.ASKED, {"ids": ids}).fetchall()
    if len(asked) != len(wanted):
        missing = {s.hex for s in wanted} - {r[0] for r in asked}
        raise NotFound(
            "Some seats do not exist.",
            code="seat_not_found",
            details={"seatIds": sorted(str(uuid.UUID(s)) for s in missing)},
        )
    if len({r[1] for r in asked}) > 1:
        raise Invalid("All seats of one hold must belong to one event.", code="mixed_events")
    _, event, status, starts_at, sales_start_at, sales_end_at = asked[0]
    window = SalesWindow(
        status=status,
        starts_at=_instant(starts_at) or now,
        sales_start_at=_instant(sales_start_at),
        sales_end_at=_instant(sales_end_at),
    )
    refuse_sale(window, now=now)
    params = {"ids": ids, "user": user_id, "now": at, "event": event}
    (held,) = conn.execute(sqlite_sql.HELD_ELSEWHERE, params).fetchone()
    if held > max_per_event - len(wanted):
        raise Conflict(
            f"At most {max_per_event} seats may be held per event.",
            code="hold_limit_reached",
            details={"limit": max_per_event},
        )
    params["until"] = _text(now + hold_for)
    rows = conn.execute(sqlite_sql.HOLD, params).fetchall()
    if len(rows) != len(wanted):
        taken = {r[0] for r in rows}
        raise Conflict(
            "Some seats are held or sold by someone else.",
            code="seats_unavailable",
            details={"seatIds": sorted(str(s) for s in wanted if s.hex not in taken)},
        )
    until = {r[0]: _instant(r[1]) for r in rows}  # a seat already the user's keeps its end
    ends = tuple(until[s.hex] for s in wanted)
    assert all(end is not None for end in ends)
    return Hold(
        event_id=uuid.UUID(event),
        seat_ids=tuple(wanted),
        user_id=user_id,
        expires_at=min(e for e in ends if e is not None),
        held_until=tuple(e for e in ends if e is not None),
    )


def give_back(
    conn: sqlite3.Connection, *, seat_id: uuid.UUID, user_id: str, now: datetime
) -> MapSeat:
    params = {"seat": seat_id.hex, "user": user_id, "now": _text(now)}
    row = conn.execute(sqlite_sql.RELEASE, params).fetchone()
    if row is not None:
        sid, event, section, row_name, number, price, accessible, gap_before = row
        return map_seat(
            id=uuid.UUID(sid),
            event_id=uuid.UUID(event),
            section=section,
            row=row_name,
            number=number,
            price_minor=price,
            status="AVAILABLE",
            held_until=None,
            now=now,
            accessible=bool(accessible),
            gap_before=gap_before,
        )
    seat = conn.execute(sqlite_sql.SEAT_STATE, {"seat": seat_id.hex}).fetchone()
    if seat is None:
        raise NotFound("No such seat.", code="seat_not_found")
    status, held_by, until, order_id = seat
    raise release_refusal(
        status=status,
        held_by=held_by,
        held_until=_instant(until),
        order_id=None if order_id is None else uuid.UUID(order_id),
        user_id=user_id,
        now=now,
    )


class SqliteSeatStore:
    """``batch`` caps how many waiting writes one transaction takes. 1 (no group commit) is
    the default: measured beside it (bench/notes.md), batches of up to 64 held fewer holds
    per second, with no lower CPU per hold."""

    @staticmethod
    def serves(db: Database) -> bool:
        """Whether ``db`` is a SQLite file a second connection can open."""
        path = db.engine.url.database
        return bool(path) and path != ":memory:" and not str(path).startswith("file:")

    def __init__(self, db: Database, *, batch: int = 1) -> None:
        path = db.engine.url.database
        if not path or not self.serves(db):
            raise ValueError("the SQLite seat store needs a database file")
        self._db = db
        self._writer = SqliteWriter(path, db.writer_turn, batch=batch, now=db)

    async def hold(
        self,
        *,
        seat_ids: Sequence[uuid.UUID],
        user_id: str,
        now: datetime,
        hold_for: timedelta,
        max_per_event: int,
    ) -> Hold:
        work = functools.partial(
            take,
            wanted=wanted_seats(seat_ids),
            user_id=user_id,
            now=now,
            hold_for=hold_for,
            max_per_event=max_per_event,
        )
        return await self._writer.run(work, committed=self._held)

    async def release(self, *, seat_id: uuid.UUID, user_id: str, now: datetime) -> MapSeat:
        work = functools.partial(give_back, seat_id=seat_id, user_id=user_id, now=now)
        return await self._writer.run(work, committed=self._freed)

    async def seat_map(self, *, event_id: uuid.UUID, now: datetime) -> list[MapSeat]:
        return await map_reads.seat_map(self._db, event_id=event_id, now=now)

    async def read_map(self, *, event_id: uuid.UUID, into: RowSink) -> None:
        await map_reads.read_map(self._db, event_id=event_id, into=into)

    async def close(self) -> None:
        await asyncio.to_thread(self._writer.close)

    def _held(self, hold: Hold) -> None:
        live.publish(self._db, live.hold_changes(hold), held_until=hold.expires_at)

    def _freed(self, seat: MapSeat) -> None:
        live.publish(self._db, live.freed(seat.event_id, [seat.id]))
