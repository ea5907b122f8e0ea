"""``next_sales_change``: the seat stream's timer for the sales rule. Between ``now`` and the
instant it names, ``why_not_on_sale`` must give one answer; at that instant it may change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from seatguard.booking.domain import EventStatus, SalesWindow, next_sales_change, why_not_on_sale

BASE = datetime(2031, 6, 1, tzinfo=UTC)
minutes = st.integers(min_value=-120, max_value=120).map(lambda m: BASE + timedelta(minutes=m))


@given(
    status=st.sampled_from(list(EventStatus)),
    starts_at=minutes,
    sales_start_at=st.none() | minutes,
    sales_end_at=st.none() | minutes,
    now=minutes,
    probes=st.lists(st.integers(min_value=1, max_value=10_000), max_size=20),
)
def test_the_answer_holds_until_the_named_instant(
    status: EventStatus,
    starts_at: datetime,
    sales_start_at: datetime | None,
    sales_end_at: datetime | None,
    now: datetime,
    probes: list[int],
) -> None:
    window = SalesWindow(
        status=status,
        starts_at=starts_at,
        sales_start_at=sales_start_at,
        sales_end_at=sales_end_at,
    )
    answer = why_not_on_sale(window, now=now)
    turn = next_sales_change(window, now=now)
    if turn is not None:
        assert turn > now
    horizon = turn if turn is not None else BASE + timedelta(days=1)
    for probe in probes:  # instants spread over [now, turn)
        at = now + (horizon - now) * (probe / 10_001)
        assert why_not_on_sale(window, now=at) == answer


def test_the_turn_is_the_first_boundary_ahead_and_none_without_one() -> None:
    window = SalesWindow(
        status=EventStatus.ON_SALE,
        starts_at=BASE + timedelta(hours=2),
        sales_start_at=BASE - timedelta(hours=1),
        sales_end_at=BASE + timedelta(hours=1),
    )
    assert next_sales_change(window, now=BASE) == BASE + timedelta(hours=1)
    assert why_not_on_sale(window, now=BASE + timedelta(hours=1)) == "sales_closed"
    closed = SalesWindow(status=EventStatus.SALES_CLOSED, starts_at=BASE + timedelta(hours=2))
    assert next_sales_change(closed, now=BASE) is None
