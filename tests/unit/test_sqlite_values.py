"""SQLite's hot statements get their values in the form SQLAlchemy stores: timestamps as naive
UTC text with microseconds, a list of seat ids as a JSON array of hex digits."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from seatguard.booking.sqlite_store import _ids, _text

zones = st.sampled_from([UTC, timezone(timedelta(hours=-3)), timezone(timedelta(0))])


@given(moment=st.datetimes(min_value=datetime(1970, 1, 2), timezones=zones))
def test_a_timestamp_is_naive_utc_text_with_microseconds(moment: datetime) -> None:
    assert _text(moment) == moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@given(seats=st.lists(st.uuids(), max_size=20))
def test_seat_ids_are_a_json_array_of_hex_digits(seats: list[uuid.UUID]) -> None:
    assert _ids(seats) == json.dumps([s.hex for s in seats])
