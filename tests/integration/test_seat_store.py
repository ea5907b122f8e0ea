"""The hot seat path (async PostgreSQL statements) answers exactly as the unit-of-work path.

Random sequences of holds, releases and clock jumps are applied to two identical events, one
through the store the app serves with (``seat_store_for``), one through ``SessionSeatStore``
(the SQLAlchemy services in a unit of work): every answer, refusal and final seat state must
be the same. On SQLite both are the unit-of-work path; on PostgreSQL this holds the named
statements to the services' rules.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from seatguard.booking import live
from seatguard.booking.models import Seat
from seatguard.booking.seat_store import (
    PgSeatStore,
    SeatStore,
    SessionSeatStore,
    seat_store_for,
)
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.errors import AppError
from tests.conftest import wipe
from tests.support.factories import make_event

HOLD = timedelta(minutes=15)
CAP = 3
SEATS = 6
USERS = ("alice", "bob")

Step = tuple[str, str, tuple[int, ...]]
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("hold"),
            st.sampled_from(USERS),
            st.lists(st.integers(0, SEATS), min_size=1, max_size=4).map(tuple),
        ),
        st.tuples(st.just("release"), st.sampled_from(USERS), st.tuples(st.integers(0, SEATS))),
        st.tuples(st.just("wait"), st.just(""), st.tuples(st.sampled_from([1, 10, 16]))),
    ),
    max_size=12,
)


async def _apply(
    store: SeatStore, seats: list[uuid.UUID], clock: FrozenClock, step: Step
) -> object:
    kind, user, picks = step
    ids = [seats[i] if i < SEATS else uuid.UUID(int=i) for i in picks]
    try:
        if kind == "hold":
            hold = await store.hold(
                seat_ids=ids, user_id=user, now=clock(), hold_for=HOLD, max_per_event=CAP
            )
            return ("held", [seats.index(s) for s in hold.seat_ids], hold.expires_at - clock())
        seat = await store.release(seat_id=ids[0], user_id=user, now=clock())
        return ("released", seats.index(seat.id), seat.status, seat.label)
    except AppError as exc:
        details = exc.details
        if isinstance(details, dict) and "seatIds" in details:
            named = [uuid.UUID(s) for s in details["seatIds"]]
            details = sorted(seats.index(s) if s in seats else -1 for s in named)
        return ("refused", exc.status_code, exc.code, details)


def _states(db: Database, seats: list[uuid.UUID]) -> list[tuple[object, ...]]:
    with db.reader() as session:
        rows = {
            r.id: (r.status, r.held_by, r.held_until, r.order_id)
            for r in session.execute(
                select(Seat.id, Seat.status, Seat.held_by, Seat.held_until, Seat.order_id).where(
                    Seat.id.in_(seats)
                )
            )
        }
    return [rows[s] for s in seats]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(script=steps)
def test_the_served_path_answers_as_the_unit_of_work_path(
    db: Database, clock: FrozenClock, script: list[Step]
) -> None:
    wipe(db)
    start = clock()
    _, fast_seats = make_event(db, now=start, seats=SEATS)
    _, ref_seats = make_event(db, now=start, seats=SEATS)
    reference = SessionSeatStore(db)
    serving_store = seat_store_for(db, pool_size=4)

    async def run() -> None:
        try:
            await steps_agree(serving_store, reference)
        finally:
            await serving_store.close()

    async def steps_agree(serving_store: SeatStore, reference: SeatStore) -> None:
        for step in script:
            if step[0] == "wait":
                clock.advance(minutes=step[2][0])
                continue
            fast = await _apply(serving_store, fast_seats, clock, step)
            ref = await _apply(reference, ref_seats, clock, step)
            assert fast == ref, step
        fast_map = await serving_store.seat_map(event_id=_event_of(db, fast_seats), now=clock())
        ref_map = await reference.seat_map(event_id=_event_of(db, ref_seats), now=clock())
        assert [(s.status, s.held_until, s.label) for s in fast_map] == [
            (s.status, s.held_until, s.label) for s in ref_map
        ]

    try:
        asyncio.run(run())
        assert _states(db, fast_seats) == _states(db, ref_seats)
    finally:
        clock.now = start


def _event_of(db: Database, seats: list[uuid.UUID]) -> uuid.UUID:
    with db.reader() as session:
        event_id = session.scalar(select(Seat.event_id).where(Seat.id == seats[0]))
    assert event_id is not None
    return event_id


def _all_at_once(
    store: SeatStore, clock: FrozenClock, asks: list[tuple[str, list[uuid.UUID]]]
) -> list[str]:
    """Each ``(user, seats)`` held at the same time through ``store`` (closed afterwards):
    "held" or the refusal's code, in the order asked."""

    async def attempt(user: str, seat_ids: list[uuid.UUID]) -> str:
        try:
            await store.hold(
                seat_ids=seat_ids, user_id=user, now=clock(), hold_for=HOLD, max_per_event=CAP
            )
        except AppError as exc:
            return exc.code
        return "held"

    async def run() -> list[str]:
        try:
            return await asyncio.gather(*(attempt(user, ids) for user, ids in asks))
        finally:
            await store.close()

    return asyncio.run(run())


def test_one_users_concurrent_holds_stay_within_the_cap(db: Database, clock: FrozenClock) -> None:
    _, seats = make_event(db, now=clock(), seats=12)
    store = seat_store_for(db, pool_size=12)
    outcomes = _all_at_once(store, clock, [("alice", [seat]) for seat in seats])
    assert outcomes.count("held") == CAP, outcomes
    assert outcomes.count("hold_limit_reached") == len(seats) - CAP
    assert [s[0] for s in _states(db, seats)].count("LOCKED") == CAP


def test_a_large_hold_reaches_live_seat_maps_once_committed(
    db: Database, clock: FrozenClock
) -> None:
    event_id, seats = make_event(db, now=clock(), seats=120)
    store = seat_store_for(db, pool_size=2)
    feed = live.feed_for(db)

    async def run() -> list[live.SeatUpdate]:
        await asyncio.to_thread(feed.ready.wait, 10)
        sub = feed.subscribe(event_id)
        try:
            hold = await store.hold(
                seat_ids=seats[:100], user_id="alice", now=clock(), hold_for=HOLD, max_per_event=100
            )
            with pytest.raises(AppError):  # refused: nothing announced
                await store.hold(
                    seat_ids=seats[99:],
                    user_id="bob",
                    now=clock(),
                    hold_for=HOLD,
                    max_per_event=100,
                )
            got: list[live.SeatUpdate] = []
            while len(got) < 100:
                item = await sub.get(10)
                assert isinstance(item, list), item
                got.extend(item)
            assert await sub.get(0.5) is None
            assert {u.held_until for u in got} == {hold.expires_at}
            return got
        finally:
            feed.unsubscribe(event_id, sub)
            await store.close()

    try:
        updates = asyncio.run(run())
    finally:
        live.close_feed(db)
    assert sorted(u.seat_id for u in updates) == sorted(seats[:100])
    assert {u.status for u in updates} == {"LOCKED"}


CROWD = ("ana", "beto", "caro", "dani")
crowds = st.lists(
    st.tuples(
        st.sampled_from(CROWD),
        st.lists(st.integers(0, SEATS - 1), min_size=1, max_size=3, unique=True).map(tuple),
    ),
    min_size=2,
    max_size=40,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(crowd=crowds)
def test_concurrent_holds_never_share_a_seat_nor_pass_the_cap(
    db: Database, clock: FrozenClock, crowd: list[tuple[str, tuple[int, ...]]]
) -> None:
    """Holds fired all at once (on PostgreSQL gathered into batches by a two-connection
    store): every seat ends with at most one holder, whose request said "held"; every "held"
    answer's seats are that user's; no user holds more than the cap; a refusal is one of the
    refusals a hold may give."""
    wipe(db)
    _, seats = make_event(db, now=clock(), seats=SEATS)
    store = seat_store_for(db, pool_size=2)
    asks = [(user, [seats[i] for i in picks]) for user, picks in crowd]
    answers = _all_at_once(store, clock, asks)
    assert set(answers) <= {"held", "seats_unavailable", "hold_limit_reached"}, answers
    states = _states(db, seats)
    granted: dict[int, set[str]] = {}
    for (user, picks), answer in zip(crowd, answers, strict=True):
        if answer == "held":
            for i in picks:
                granted.setdefault(i, set()).add(user)
                assert states[i][0] == "LOCKED", (i, user, states)
                assert states[i][1] == user, (i, user, states)
    for i, (status, holder, _, _) in enumerate(states):
        assert granted.get(i, set()) <= {holder}, (i, granted.get(i), holder)
        if status == "LOCKED":
            assert holder in granted.get(i, set()), (i, holder)
    for user in CROWD:
        assert sum(1 for s in states if s[1] == user) <= CAP


def test_holds_that_wait_for_a_connection_go_together(db: Database, clock: FrozenClock) -> None:
    """With one connection, the holds that queue behind the first are taken in batches
    (PostgreSQL; SQLite's writers take turns), and each is still answered on its own: 40
    users, one seat each of 12, so 12 win and 28 are refused."""
    _, seats = make_event(db, now=clock(), seats=12)
    store = seat_store_for(db, pool_size=1)
    answers = _all_at_once(store, clock, [(f"user{n}", [seats[n % 12]]) for n in range(40)])
    assert answers.count("held") == 12, answers
    assert answers.count("seats_unavailable") == 28
    if db.dialect == "postgresql":
        assert isinstance(store, PgSeatStore)
        assert store.holds.largest > 1
    holders = [s[1] for s in _states(db, seats)]
    assert all(isinstance(h, str) and h.startswith("user") for h in holders)
