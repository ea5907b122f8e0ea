from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatguard.booking.domain import (
    SeatState,
    SeatStatus,
    availability_level,
    can_move_seat,
    effective_status,
    order_total,
)

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def held(by: str, minutes: float) -> SeatState:
    return SeatState(
        status=SeatStatus.LOCKED, held_by=by, held_until=NOW + timedelta(minutes=minutes)
    )


def test_live_hold_is_locked_and_only_its_holder_may_take_it():
    seat = held("alice", 5)
    assert effective_status(seat, now=NOW) is SeatStatus.LOCKED


def test_hold_is_free_again_the_moment_it_expires():
    seat = held("alice", 0)
    assert effective_status(seat, now=NOW) is SeatStatus.AVAILABLE


def test_sold_seat_is_never_free():
    seat = SeatState(status=SeatStatus.SOLD, held_by=None, held_until=None)
    assert effective_status(seat, now=NOW) is SeatStatus.SOLD


def test_manual_seat_transitions_never_steal_a_hold_or_resell():
    assert can_move_seat(SeatStatus.AVAILABLE, SeatStatus.SOLD)
    assert can_move_seat(SeatStatus.LOCKED, SeatStatus.AVAILABLE)
    assert not can_move_seat(SeatStatus.LOCKED, SeatStatus.SOLD)
    assert not can_move_seat(SeatStatus.AVAILABLE, SeatStatus.LOCKED)
    assert not can_move_seat(SeatStatus.SOLD, SeatStatus.LOCKED)


@pytest.mark.parametrize(
    ("available", "total", "level"),
    [
        (0, 100, "SOLD_OUT"),
        (10, 100, "LOW"),
        (30, 100, "MEDIUM"),
        (90, 100, "HIGH"),
        (0, 0, "SOLD_OUT"),
    ],
)
def test_availability_levels(available, total, level):
    assert availability_level(available=available, total=total) == level


@given(st.lists(st.integers(min_value=0, max_value=10**7), max_size=50))
def test_order_total_is_the_sum_of_minor_units(prices):
    assert order_total(prices) == sum(prices)


def test_negative_prices_are_refused():
    with pytest.raises(ValueError, match="negative"):
        order_total([100, -1])
