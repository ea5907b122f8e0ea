"""Seat-change fan-out: payload encoding, subscriber queues, commit-only delivery, the map diff."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from seatguard.booking import live
from seatguard.booking.domain import SeatStatus
from seatguard.booking.holds import SeatChange
from seatguard.booking.map_cache import write_map
from seatguard.booking.seatmap import MapSeat
from seatguard.common.db import Database
from seatguard.web.stream import SeatMap

EVENT = uuid.uuid4()
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def changes(n: int, status: str = "LOCKED") -> list[SeatChange]:
    return [SeatChange(event_id=EVENT, seat_id=uuid.uuid4(), status=status) for _ in range(n)]


def test_payloads_round_trip_and_stay_under_the_notify_limit() -> None:
    batch = changes(120)
    payloads = live.encode(batch, NOW)
    assert len(payloads) == 3
    assert all(len(p.encode()) < 8000 for p in payloads)
    decoded = [u for p in payloads for u in live.decode(p)[1]]
    assert [u.seat_id for u in decoded] == [c.seat_id for c in batch]
    assert {u.held_until for u in decoded} == {NOW}
    assert live.decode(live.encode(changes(1, "SOLD"), NOW)[0])[1][0].held_until is None


def test_a_subscriber_gets_its_events_changes_and_a_slow_one_is_told_to_resync() -> None:
    async def scenario() -> tuple[object, object, object, object]:
        feed = live.SeatFeed(max_queue=2)
        sub = feed.subscribe(EVENT)
        other = feed.subscribe(uuid.uuid4())
        feed.publish(changes(1), held_until=NOW)
        first = await sub.get(1)
        nothing = await other.get(0.05)
        for _ in range(3):  # more than the queue holds
            feed.publish(changes(1))
        await asyncio.sleep(0.05)
        overflow = await sub.get(1)
        feed.unsubscribe(EVENT, sub)
        return first, nothing, overflow, feed.subscriber_count(EVENT)

    first, nothing, overflow, left = asyncio.run(scenario())
    assert isinstance(first, list)
    assert first[0].status == "LOCKED"
    assert first[0].held_until == NOW
    assert nothing is None
    assert overflow is live.RESYNC
    assert left == 0


@pytest.mark.parametrize("commit", [True, False])
def test_sqlite_changes_are_published_only_when_the_transaction_commits(
    tmp_path: Path, commit: bool
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'feed.db'}")

    async def scenario() -> object:
        feed = live.feed_for(db)
        sub = feed.subscribe(EVENT)
        try:
            with db.unit_of_work() as session:
                live.announce(session, changes(2, "AVAILABLE"))
                if not commit:
                    raise RuntimeError("roll back")
        except RuntimeError:
            pass
        return await sub.get(0.3)

    try:
        got = asyncio.run(scenario())
    finally:
        live.close_feed(db)
        db.dispose()
    if commit:
        assert isinstance(got, list)
        assert [u.status for u in got] == ["AVAILABLE", "AVAILABLE"]
    else:
        assert got is None


def seat(status: SeatStatus, held_until: datetime | None = None) -> MapSeat:
    return MapSeat(
        id=uuid.uuid4(),
        event_id=EVENT,
        section="VIP",
        row="A",
        label="A1",
        price_minor=100,
        status=status.value,
        held_until=held_until,
    )


def test_the_stream_map_reports_only_real_changes_and_runs_out_holds() -> None:
    held, free = seat(SeatStatus.LOCKED, NOW + timedelta(seconds=30)), seat(SeatStatus.AVAILABLE)
    seat_map = SeatMap(write_map([held, free]).taken)
    assert seat_map.next_expiry() == NOW + timedelta(seconds=30)
    assert seat_map.apply([live.SeatUpdate(seat_id=free.id, status="AVAILABLE")]) == []
    assert seat_map.expire(NOW) == []
    ran_out = seat_map.expire(NOW + timedelta(seconds=31))
    assert [(c["seatId"], c["change"]) for c in ran_out] == [(str(held.id), "freed")]
    assert seat_map.next_expiry() is None
    sold = seat_map.replace(write_map([dataclasses.replace(held, status="SOLD"), free]).taken)
    assert [c["change"] for c in sold] == ["sold"]
    freed = seat_map.replace(write_map([held, free]).taken[:0])  # nothing taken any more
    assert [(c["seatId"], c["change"]) for c in freed] == [(str(held.id), "freed")]
    assert seat_map.state == {}  # a stream remembers only the seats that are not AVAILABLE
