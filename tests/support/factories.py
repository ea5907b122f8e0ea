"""Small builders for test data, going through the real services."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from seatguard.booking import catalogue
from seatguard.booking.models import Seat
from seatguard.booking.schemas import EventIn
from seatguard.common.db import Database


def event_body(
    *,
    sections: list[tuple[str, str, int, int]] | None = None,
    date: datetime | None = None,
    name: str = "Test Concert",
) -> dict[str, object]:
    layout = sections or [("GENERAL", "G", 10, 1500)]
    by_section: dict[tuple[str, int], list[dict[str, object]]] = {}
    for section, row, count, price in layout:
        by_section.setdefault((section, price), []).append({"row": row, "seats": count})
    return {
        "name": name,
        "artist": "The Testers",
        "location": "Test Hall, Buenos Aires",
        "gender": "ROCK",
        "date": (date.isoformat() if date else "2030-01-01T21:00:00+00:00"),
        "timezone": "America/Argentina/Buenos_Aires",
        "currency": "usd",
        "sections": [
            {"name": section, "priceMinor": price, "rows": rows}
            for (section, price), rows in by_section.items()
        ],
    }


def make_event(
    db: Database,
    *,
    now: datetime,
    seats: int = 10,
    price_minor: int = 1500,
    starts_in: timedelta = timedelta(days=90),
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    body = EventIn.model_validate(
        event_body(sections=[("GENERAL", "G", seats, price_minor)], date=now + starts_in)
    )
    with db.unit_of_work() as session:
        event_id = catalogue.create_event(session, data=body, now=now)
    with db.reader() as session:
        seat_ids = list(
            session.scalars(
                select(Seat.id).where(Seat.event_id == event_id).order_by(Seat.number)
            ).all()
        )
    return event_id, seat_ids
