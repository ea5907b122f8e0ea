"""Stadium-sized events (100,000 seats) through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from seatguard.booking import catalogue
from seatguard.booking.holds import hold_seats
from seatguard.booking.models import Seat
from seatguard.booking.schemas import MAX_SEATS_PER_EVENT
from seatguard.common.security import Role
from tests.support.factories import make_event
from tests.support.stadium import stadium_body

HOUR = timedelta(hours=1)
CAP: dict[str, Any] = {"hold_for": timedelta(minutes=1), "max_per_event": 8}


@pytest.mark.slow
def test_a_100000_seat_event_is_created_and_its_map_read(app_client, auth_header) -> None:
    admin = auth_header("boss", role=Role.ADMIN)
    assert MAX_SEATS_PER_EVENT == 100_000
    started = time.perf_counter()
    created = app_client.post("/api/v1/events", json=stadium_body(), headers=admin)
    took = time.perf_counter() - started
    assert created.status_code == 201, created.text[:500]
    event = created.json()
    assert event["seatsTotal"] == 100_000
    assert len(event["seats"]) == 100_000
    assert len({s["id"] for s in event["seats"]}) == 100_000
    seat_map = app_client.get(f"/api/v1/events/{event['id']}/seats")
    assert seat_map.status_code == 200
    seats = seat_map.json()
    assert len(seats) == 100_000
    assert {s["status"] for s in seats} == {"AVAILABLE"}
    assert (seats[0]["section"], seats[-1]["section"]) == ("Tribuna A", "Tribuna J")
    print(f"created a 100,000-seat event in {took:.2f} s")


def test_one_seat_over_the_cap_is_refused_and_nothing_is_stored(app_client, auth_header) -> None:
    admin = auth_header("boss", role=Role.ADMIN)
    body = stadium_body()
    body["sections"][0]["rows"].append({"row": "EXTRA", "seats": 1})
    refused = app_client.post("/api/v1/events", json=body, headers=admin)
    assert refused.status_code == 422, refused.text[:500]
    assert "100000 seats per event" in refused.text
    assert app_client.get("/api/v1/events").json() == []


def test_the_detail_written_directly_equals_the_model(db, clock) -> None:
    event_id, seat_ids = make_event(db, now=clock(), seats=12)
    with db.unit_of_work() as session:  # one running hold, one run out, one sold
        hold_seats(session, seat_ids=seat_ids[:1], user_id="a", now=clock(), **CAP)
        hold_seats(session, seat_ids=seat_ids[1:2], user_id="b", now=clock() - HOUR, **CAP)
        session.execute(update(Seat).where(Seat.id == seat_ids[2]).values(status="SOLD"))
    with db.reader() as session:
        model = catalogue.event_detail(session, event_id=event_id, now=clock())
        written = catalogue.event_detail_json(session, event_id=event_id, now=clock())
    assert json.loads(written) == json.loads(model.model_dump_json(by_alias=True))
    status = {s["id"]: s["status"] for s in json.loads(written)["seats"]}
    assert [status[str(s)] for s in seat_ids[:3]] == ["LOCKED", "AVAILABLE", "SOLD"]


def test_a_big_event_page_lists_sections_not_seats(app_client, auth_header, clock) -> None:
    admin = auth_header("boss", role=Role.ADMIN)
    body = stadium_body(sections=3, rows=1, seats_per_row=700)  # 2,100 seats: over the line
    event = app_client.post("/api/v1/events", json=body, headers=admin).json()
    seats = [s["id"] for s in event["seats"] if s["section"] == "Tribuna B"]
    held = app_client.post(
        "/api/v1/seats/lock", json={"seatIds": seats[:3]}, headers=auth_header("ann")
    )
    assert held.status_code == 200, held.text
    html = app_client.get(f"/events/{event['id']}").text
    assert 'data-mode="sections"' in html
    assert 'class="seat ' not in html
    free = re.findall(r'data-section="(Tribuna \w)".*?data-free-count>(\d+)<', html, re.S)
    assert free == [("Tribuna A", "700"), ("Tribuna B", "697"), ("Tribuna C", "700")]
    clock.advance(minutes=16)  # the holds ran out: free again, with no sweep
    html = app_client.get(f"/events/{event['id']}").text
    assert re.findall(r"data-free-count>(\d+)<", html) == ["700", "700", "700"]

    small = app_client.post(
        "/api/v1/events", json=stadium_body(sections=2, rows=1, seats_per_row=1000), headers=admin
    ).json()
    html = app_client.get(f"/events/{small['id']}").text
    assert 'data-mode="seats"' in html
    assert html.count('class="seat seat-available"') == 2000
