"""The sales rule as a class: every door a buyer can take a seat through (the ORM hold, the
store the app serves holds with — async PostgreSQL statements on PostgreSQL —, checkout and
the HTTP hold) answers the same for every event state and every position of the clock
against the sales window, on SQLite and PostgreSQL. Refused: a 409 with the rule's code and
no seat changed. Allowed: the seat is held."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from seatguard.booking import holds
from seatguard.booking.checkout import CheckoutRequest, start_checkout
from seatguard.booking.models import Event, Seat
from seatguard.booking.seat_store import seat_store_for
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.errors import AppError
from tests.property.memory_gateway import MemoryGateway
from tests.support.factories import make_event
from tests.support.world import make_world

HOLD = timedelta(minutes=15)
H = timedelta(hours=1)

STATES = ("DRAFT", "ON_SALE", "SALES_CLOSED", "CANCELLED")
# position of "now": (sales_start_at, sales_end_at, starts_at) relative to now
POSITIONS: dict[str, tuple[timedelta | None, timedelta | None, timedelta]] = {
    "no window": (None, None, 48 * H),
    "before the window": (2 * H, 5 * H, 48 * H),
    "opens this instant": (timedelta(0), 5 * H, 48 * H),
    "inside the window": (-2 * H, 5 * H, 48 * H),
    "only a start, passed": (-2 * H, None, 48 * H),
    "only an end, ahead": (None, 1 * H, 48 * H),
    "closes this instant": (-2 * H, timedelta(0), 48 * H),
    "after the window": (-5 * H, -1 * H, 48 * H),
    "event started": (None, None, -1 * H),
}


def expected(state: str, position: str) -> str | None:
    """The rule written out by hand, case by case (not by calling the code under test)."""
    if state in ("DRAFT", "CANCELLED"):
        return "event_not_on_sale"
    if state == "SALES_CLOSED":
        return "sales_closed"
    return {
        "no window": None,
        "before the window": "sales_not_open",
        "opens this instant": None,
        "inside the window": None,
        "only a start, passed": None,
        "only an end, ahead": None,
        "closes this instant": "sales_closed",
        "after the window": "sales_closed",
        "event started": "event_started",
    }[position]


def _set(db: Database, event_id: uuid.UUID, now: datetime, state: str, position: str) -> None:
    start, end, starts = POSITIONS[position]
    with db.unit_of_work() as session:
        session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(
                status=state,
                sales_start_at=None if start is None else now + start,
                sales_end_at=None if end is None else now + end,
                starts_at=now + starts,
            )
        )


def _status(db: Database, seat_id: uuid.UUID) -> str:
    with db.reader() as session:
        return str(session.scalar(select(Seat.status).where(Seat.id == seat_id)))


Door = Callable[[uuid.UUID, str], str | None]  # (seat, user) -> the refusal's code, or None


def _drive(db: Database, clock: FrozenClock, door: Door) -> None:
    event_id, seats = make_event(db, now=clock(), seats=len(STATES) * len(POSITIONS))
    cases = [(s, p) for s in STATES for p in POSITIONS]
    for n, (state, position) in enumerate(cases):
        _set(db, event_id, clock(), state, position)
        code = door(seats[n], f"buyer{n}")
        want = expected(state, position)
        assert code == want, (state, position)
        assert _status(db, seats[n]) == ("AVAILABLE" if want else "LOCKED"), (state, position)


def _refusal(action: Callable[[], object]) -> str | None:
    refused: AppError | None = None
    try:
        action()
    except AppError as exc:
        refused = exc
    if refused is None:
        return None
    assert refused.status_code == 409, refused.code
    return refused.code


def test_the_orm_hold_follows_the_rule(db, clock):
    def door(seat: uuid.UUID, user: str) -> str | None:
        def take() -> None:
            with db.unit_of_work() as session:
                holds.hold_seats(
                    session,
                    seat_ids=[seat],
                    user_id=user,
                    now=clock(),
                    hold_for=HOLD,
                    max_per_event=4,
                )

        return _refusal(take)

    _drive(db, clock, door)


def test_the_served_hold_store_follows_the_rule(db, clock):
    """On PostgreSQL: the named async statement (``seats_sql.HOLD``)."""
    store = seat_store_for(db, pool_size=2)
    loop = asyncio.new_event_loop()

    def door(seat: uuid.UUID, user: str) -> str | None:
        coro = store.hold(
            seat_ids=[seat], user_id=user, now=clock(), hold_for=HOLD, max_per_event=4
        )
        return _refusal(lambda: loop.run_until_complete(coro))

    try:
        _drive(db, clock, door)
    finally:
        loop.run_until_complete(store.close())
        loop.close()


def test_checkout_follows_the_rule(db, clock):
    gateway = MemoryGateway()

    def door(seat: uuid.UUID, user: str) -> str | None:
        request = CheckoutRequest(
            user_id=user,
            seat_ids=[seat],
            currency="usd",
            customer_email=f"{user}@example.com",
            success_url="https://shop.invalid/ok",
            cancel_url="https://shop.invalid/cancel",
        )
        return _refusal(
            lambda: start_checkout(
                db=db,
                gateway=gateway,
                request=request,
                now=clock(),
                hold_for=HOLD,
                max_per_event=4,
            )
        )

    _drive(db, clock, door)


def test_the_http_hold_follows_the_rule(db, clock, app_client, auth_header):
    def door(seat: uuid.UUID, user: str) -> str | None:
        r = app_client.post(
            "/api/v1/seats/lock", json={"seatIds": [str(seat)]}, headers=auth_header(user)
        )
        if r.status_code == 200:
            return None
        assert r.status_code == 409, r.text
        return str(r.json()["error"])

    _drive(db, clock, door)


@pytest.mark.parametrize("state", ["SALES_CLOSED", "CANCELLED"])
def test_an_open_checkout_is_not_handed_out_again_once_sales_stop(db, clock, state):
    """Asking again for the same seats returns the open session while the event sells; after
    sales stop that door is shut too."""
    gateway = MemoryGateway()
    event_id, seats = make_event(db, now=clock(), seats=2)
    request = CheckoutRequest(
        user_id="alice",
        seat_ids=[seats[0]],
        currency="usd",
        customer_email="alice@example.com",
        success_url="https://shop.invalid/ok",
        cancel_url="https://shop.invalid/cancel",
    )

    def again() -> object:
        return start_checkout(
            db=db, gateway=gateway, request=request, now=clock(), hold_for=HOLD, max_per_event=4
        )

    first = again()
    assert again().reused  # type: ignore[attr-defined]
    assert first is not None
    _set(db, event_id, clock(), state, "no window")
    expected_code = "sales_closed" if state == "SALES_CLOSED" else "event_not_on_sale"
    assert _refusal(again) == expected_code


# A payment confirmed after sales closed: the checkout began while the event sold, so the
# order is sold (as pretix does); a cancelled event refunds it.
@pytest.mark.parametrize(
    ("stop", "outcome"),
    [
        ("closed by hand", "COMPLETED"),
        ("window ended", "COMPLETED"),
        ("cancelled", "REFUNDED"),
    ],
)
def test_a_payment_landing_after_sales_stopped(db, clock, settings, tmp_path, stop, outcome):
    world = make_world(db, clock, settings, tmp_path, seats=2)
    _set(db, world.event_id, clock(), "ON_SALE", "only an end, ahead")  # closes in an hour
    order_id, session_id = world.checkout("alice", 0)
    if stop == "closed by hand":
        _set(db, world.event_id, clock(), "SALES_CLOSED", "only an end, ahead")
    elif stop == "window ended":
        clock.advance(minutes=61)
    else:
        _set(db, world.event_id, clock(), "CANCELLED", "only an end, ahead")
    assert _refusal(lambda: world.checkout("bob", 1)) is not None  # no new sale meanwhile
    world.deliver(world.gateway.pay(session_id))
    assert world.order(order_id).status == outcome
    assert world.seat(0)[0] == ("SOLD" if outcome == "COMPLETED" else "AVAILABLE")
