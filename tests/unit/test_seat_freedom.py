"""One rule for "a seat is free": the domain's effective_status and SQL's free_now agree."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from seatguard.booking.domain import SeatState, SeatStatus, effective_status
from seatguard.booking.holds import SEATS, free_now
from seatguard.booking.models import Event

NOW = datetime(2027, 1, 1, tzinfo=UTC)
ENGINE = sa.create_engine("sqlite://")
Event.__table__.create(ENGINE)  # type: ignore[attr-defined]
SEATS.create(ENGINE)

states = st.builds(
    SeatState,
    status=st.sampled_from(SeatStatus),
    held_by=st.sampled_from([None, "alice"]),
    held_until=st.one_of(
        st.none(), st.integers(-120, 120).map(lambda s: NOW + timedelta(seconds=s))
    ),
)


def _sql_free(state: SeatState) -> bool | None:
    """Whether ``free_now`` selects the seat; None when the database refuses the state."""
    try:
        return _insert_and_select(state)
    except sa.exc.IntegrityError:
        return None


def _insert_and_select(state: SeatState) -> bool:
    with ENGINE.begin() as conn:
        conn.execute(SEATS.delete())
        conn.execute(
            SEATS.insert().values(
                id=uuid.uuid4(),
                event_id=uuid.uuid4(),
                section="A",
                row="1",
                number="1",
                price_minor=1,
                status=state.status.value,
                held_by=state.held_by,
                held_until=state.held_until,
                version=0,
                updated_at=NOW,
            )
        )
        return bool(conn.scalar(sa.select(sa.func.count()).where(free_now(NOW))))


@settings(max_examples=150, deadline=None)
@given(states)
def test_domain_and_sql_agree_on_every_seat_state(state):
    domain_free = effective_status(state, now=NOW) is SeatStatus.AVAILABLE
    sql_free = _sql_free(state)
    if sql_free is None:  # the one state the CHECK constraint forbids: a hold with no end
        assert (state.status, state.held_until) == (SeatStatus.LOCKED, None)
        assert not domain_free
    else:
        assert domain_free is sql_free
