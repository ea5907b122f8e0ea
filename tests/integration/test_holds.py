"""Hold rules against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from seatguard.booking import holds
from seatguard.booking.catalogue import get_event
from seatguard.booking.models import Seat
from seatguard.booking.sweeper import sweep_once
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.errors import Conflict, Forbidden, Invalid, NotFound
from tests.support.factories import make_event

HOLD = timedelta(minutes=15)


def hold(db: Database, clock: FrozenClock, user: str, seat_ids: list[uuid.UUID], cap: int = 8):
    with db.unit_of_work() as session:
        return holds.hold_seats(
            session,
            seat_ids=seat_ids,
            user_id=user,
            now=clock(),
            hold_for=HOLD,
            max_per_event=cap,
        )


def statuses(db: Database, seat_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str | None]]:
    with db.reader() as session:
        rows = session.execute(
            select(Seat.id, Seat.status, Seat.held_by).where(Seat.id.in_(seat_ids))
        ).all()
    return {r.id: (r.status, r.held_by) for r in rows}


def test_hold_takes_all_requested_seats(db, clock):
    _, seats = make_event(db, now=clock())
    result = hold(db, clock, "alice", seats[:3])
    assert result.expires_at == clock() + HOLD
    assert set(statuses(db, seats[:3]).values()) == {("LOCKED", "alice")}


def test_all_or_nothing_when_one_seat_is_taken(db, clock):
    _, seats = make_event(db, now=clock())
    hold(db, clock, "alice", [seats[1]])
    with pytest.raises(Conflict) as err:
        hold(db, clock, "bob", seats[:3])
    assert err.value.details == {"seatIds": [str(seats[1])]}
    after = statuses(db, seats[:3])
    assert after[seats[0]] == ("AVAILABLE", None)
    assert after[seats[2]] == ("AVAILABLE", None)
    assert after[seats[1]] == ("LOCKED", "alice")


def test_holding_own_seat_again_keeps_its_expiry(db, clock):
    _, seats = make_event(db, now=clock())
    first = hold(db, clock, "alice", [seats[0]])
    clock.advance(minutes=10)
    again = hold(db, clock, "alice", [seats[0], seats[1]])
    assert again.expires_at == first.expires_at


def test_expired_hold_can_be_taken_by_someone_else(db, clock):
    _, seats = make_event(db, now=clock())
    hold(db, clock, "alice", [seats[0]])
    clock.advance(minutes=15)
    hold(db, clock, "bob", [seats[0]])
    assert statuses(db, [seats[0]])[seats[0]] == ("LOCKED", "bob")


def test_cap_on_seats_held_per_event(db, clock):
    _, seats = make_event(db, now=clock())
    hold(db, clock, "alice", seats[:2], cap=3)
    with pytest.raises(Conflict) as err:
        hold(db, clock, "alice", seats[2:4], cap=3)
    assert err.value.code == "hold_limit_reached"
    assert statuses(db, seats[2:4])[seats[2]] == ("AVAILABLE", None)


def test_cap_counts_seats_asked_again_once(db, clock):
    _, seats = make_event(db, now=clock())
    hold(db, clock, "alice", seats[:2], cap=3)
    hold(db, clock, "alice", seats[1:3], cap=3)  # one already hers, one more: 3 in all
    with pytest.raises(Conflict) as err:
        hold(db, clock, "alice", seats[:4], cap=3)  # would make 4
    assert err.value.code == "hold_limit_reached"
    assert statuses(db, [seats[3]])[seats[3]] == ("AVAILABLE", None)
    clock.advance(minutes=16)  # expired holds no longer count
    hold(db, clock, "alice", seats[3:6], cap=3)


def test_cap_holds_under_concurrent_requests_of_one_user(db, clock):
    _, seats = make_event(db, now=clock())
    outcomes: list[str] = []

    def attempt(seat: uuid.UUID) -> None:
        try:
            hold(db, clock, "alice", [seat], cap=3)
            outcomes.append("held")
        except Conflict as exc:
            outcomes.append(exc.code)

    assert len(seats) >= 8
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(attempt, seats))
    assert outcomes.count("held") == 3, outcomes
    assert outcomes.count("hold_limit_reached") == len(seats) - 3
    held = [s for s, (status, _) in statuses(db, seats).items() if status == "LOCKED"]
    assert len(held) == 3


def test_unknown_seats_are_404_and_mixed_events_422(db, clock):
    _, seats = make_event(db, now=clock())
    _, other = make_event(db, now=clock())
    with pytest.raises(NotFound):
        hold(db, clock, "alice", [seats[0], uuid.uuid4()])
    with pytest.raises(Invalid):
        hold(db, clock, "alice", [seats[0], other[0]])
    assert statuses(db, [seats[0]])[seats[0]] == ("AVAILABLE", None)


def test_started_event_refuses_holds(db, clock):
    _, seats = make_event(db, now=clock(), starts_in=timedelta(hours=1))
    clock.advance(hours=2)
    with pytest.raises(Conflict) as err:
        hold(db, clock, "alice", [seats[0]])
    assert err.value.code == "event_started"


def test_release_only_by_the_holder(db, clock):
    _, seats = make_event(db, now=clock())
    hold(db, clock, "alice", [seats[0]])
    with pytest.raises(Forbidden), db.unit_of_work() as session:
        holds.release_seat(session, seat_id=seats[0], user_id="bob", now=clock())
    with db.unit_of_work() as session:
        holds.release_seat(session, seat_id=seats[0], user_id="alice", now=clock())
    assert statuses(db, [seats[0]])[seats[0]] == ("AVAILABLE", None)
    with pytest.raises(Conflict), db.unit_of_work() as session:
        holds.release_seat(session, seat_id=seats[0], user_id="alice", now=clock())


def test_sweeper_frees_expired_holds_and_availability_is_exact(db, clock):
    event_id, seats = make_event(db, now=clock())
    hold(db, clock, "alice", seats[:4])
    with db.reader() as session:
        assert get_event(session, event_id=event_id, now=clock()).seats_available == 6
    clock.advance(minutes=15)
    with db.reader() as session:  # lazily free before any sweep
        assert get_event(session, event_id=event_id, now=clock()).seats_available == 10
    assert sweep_once(db, clock).seats_freed == 4
    assert set(statuses(db, seats[:4]).values()) == {("AVAILABLE", None)}
    assert sweep_once(db, clock).seats_freed == 0


def test_my_seats_are_the_accounts_on_any_device(app_client, auth_header, db, clock):
    from tests.support.factories import make_event

    event_id, seat_ids = make_event(db, now=clock(), seats=4)
    alice, bob = auth_header("alice-2"), auth_header("bob-2")
    body = {"seatIds": [str(s) for s in seat_ids[:2]]}
    held = app_client.post("/api/v1/seats/lock", json=body, headers=alice)
    assert held.status_code == 200, held.text

    mine = app_client.get(f"/api/v1/events/{event_id}/seats/mine", headers=alice)
    assert mine.status_code == 200
    assert {s["seatId"] for s in mine.json()} == {str(s) for s in seat_ids[:2]}
    assert all(s["heldByMe"] and not s["boughtByMe"] and s["heldUntil"] for s in mine.json())
    assert app_client.get(f"/api/v1/events/{event_id}/seats/mine", headers=bob).json() == []
    assert app_client.get(f"/api/v1/events/{event_id}/seats/mine").status_code == 401

    clock.advance(minutes=16)  # the hold ran out: it is nobody's any more
    assert app_client.get(f"/api/v1/events/{event_id}/seats/mine", headers=alice).json() == []
    missing = app_client.get(f"/api/v1/events/{uuid.UUID(int=4)}/seats/mine", headers=alice)
    assert missing.status_code == 404


def test_bought_seats_are_marked_as_the_buyers(app_client, auth_header, db, clock):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import update

    from seatguard.booking.models import Seat
    from tests.support.tickets import make_paid_order

    paid = make_paid_order(db, now=clock(), private_key=Ed25519PrivateKey.generate(), seats=2)
    with db.unit_of_work() as session:  # as fulfilment leaves a sold seat: held_by = the buyer
        session.execute(update(Seat).where(Seat.id.in_(paid.seat_ids)).values(held_by="alice"))
    mine = app_client.get(
        f"/api/v1/events/{paid.event_id}/seats/mine", headers=auth_header("alice")
    ).json()
    assert {(s["seatId"], s["boughtByMe"], s["heldByMe"]) for s in mine} == {
        (str(s), True, False) for s in paid.seat_ids
    }
