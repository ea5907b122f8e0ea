"""The seat map's hand-written JSON is exactly what ``SeatOut`` serialises to."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from seatguard.booking.schemas import SeatOut
from seatguard.booking.seatmap import map_seat, seats_json

NOW = datetime(2030, 1, 1, 20, 0, tzinfo=UTC)


@given(
    section=st.text(min_size=1, max_size=40),
    row=st.text(min_size=1, max_size=10),
    number=st.text(min_size=1, max_size=10),
    price=st.integers(0, 100_000_000),
    status=st.sampled_from(["AVAILABLE", "LOCKED", "SOLD"]),
    offset=st.none() | st.timedeltas(timedelta(hours=-2), timedelta(hours=2)),
    accessible=st.booleans(),
    gap=st.integers(0, 50),
)
def test_seat_json_matches_the_seat_model(
    section: str,
    row: str,
    number: str,
    price: int,
    status: str,
    offset: timedelta | None,
    accessible: bool,
    gap: int,
) -> None:
    held_until = None if offset is None else NOW + offset
    seat = map_seat(
        id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        section=section,
        row=row,
        number=number,
        price_minor=price,
        status=status,
        held_until=held_until,
        now=NOW,
        accessible=accessible,
        gap_before=gap,
    )
    running = status == "LOCKED" and held_until is not None and held_until > NOW
    model = SeatOut(
        id=seat.id,
        event_id=seat.event_id,
        section=section,
        row=row,
        number=f"{row}{number}",
        price=price / 100,
        price_minor=price,
        status="AVAILABLE" if status == "LOCKED" and not running else status,
        held_until=held_until if running else None,
        accessible=accessible,
        gap_before=gap,
    )
    assert json.loads(seats_json([seat])) == [json.loads(model.model_dump_json(by_alias=True))]
