from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatguard.booking.domain import (
    OrderStatus,
    SeatState,
    SeatStatus,
    availability_level,
    can_move_order,
    can_move_seat,
    effective_status,
    is_free_for,
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
    assert is_free_for(seat, user_id="alice", now=NOW)
    assert not is_free_for(seat, user_id="bob", now=NOW)


def test_hold_is_free_again_the_moment_it_expires():
    seat = held("alice", 0)
    assert effective_status(seat, now=NOW) is SeatStatus.AVAILABLE
    assert is_free_for(seat, user_id="bob", now=NOW)


def test_sold_seat_is_never_free():
    seat = SeatState(status=SeatStatus.SOLD, held_by=None, held_until=None)
    assert not is_free_for(seat, user_id="anyone", now=NOW)
    assert effective_status(seat, now=NOW) is SeatStatus.SOLD


def test_manual_seat_transitions_never_steal_a_hold_or_resell():
    assert can_move_seat(SeatStatus.AVAILABLE, SeatStatus.SOLD)
    assert can_move_seat(SeatStatus.LOCKED, SeatStatus.AVAILABLE)
    assert not can_move_seat(SeatStatus.LOCKED, SeatStatus.SOLD)
    assert not can_move_seat(SeatStatus.AVAILABLE, SeatStatus.LOCKED)
    assert not can_move_seat(SeatStatus.SOLD, SeatStatus.LOCKED)


def test_refunded_orders_are_final():
    assert can_move_order(OrderStatus.PENDING, OrderStatus.COMPLETED)
    assert can_move_order(OrderStatus.EXPIRED, OrderStatus.REFUNDED)
    assert not any(can_move_order(OrderStatus.REFUNDED, s) for s in OrderStatus)


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


@given(st.floats(min_value=-60, max_value=60, allow_nan=False), st.sampled_from(["alice", "bob"]))
def test_a_seat_is_free_for_a_stranger_exactly_when_not_live_held(minutes, holder):
    seat = held(holder, minutes)
    live = seat.held_until is not None and seat.held_until > NOW
    assert is_free_for(seat, user_id="carol", now=NOW) is (not live)
