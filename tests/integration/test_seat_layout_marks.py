"""Gaps inside rows and wheelchair spaces: taken by the events API, stored on the seats and
given back by every read of the seat map (event detail, map, one seat, a released seat)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from seatguard.common.security import Role
from tests.support.factories import event_body


def layout_body(clock: Any, rows: list[dict[str, Any]]) -> dict[str, object]:
    body = event_body(date=clock() + timedelta(days=30))
    body["sections"] = [{"name": "PLATEA", "priceMinor": 2000, "rows": rows}]
    return body


def marks(seats: list[dict[str, Any]]) -> list[tuple[str, bool, int]]:
    """(label, accessible, gapBefore) of each seat in map order; the marks are left out of
    the JSON when unset."""
    for seat in seats:
        assert seat.get("accessible", True) is True  # never written as false
        assert seat.get("gapBefore", 1) >= 1  # never written as 0
    return [(s["number"], s.get("accessible", False), s.get("gapBefore", 0)) for s in seats]


ROWS = [
    {  # an aisle after seat 3, numbering continues; wheelchair spaces at both ends
        "row": "A",
        "seats": 6,
        "gaps": [{"after": 3, "width": 2}],
        "accessible": [1, 6],
    },
    {  # two missing seats after seat 2, numbering skips them; then another gap
        "row": "B",
        "seats": 5,
        "firstNumber": 10,
        "gaps": [{"after": 2, "width": 2, "skipNumbers": True}, {"after": 4}],
    },
    {"row": "C", "seats": 3},  # the layout as it always was
]
EXPECTED = [
    ("A1", True, 0),
    ("A2", False, 0),
    ("A3", False, 0),
    ("A4", False, 2),
    ("A5", False, 0),
    ("A6", True, 0),
    ("B10", False, 0),
    ("B11", False, 0),
    ("B14", False, 2),
    ("B15", False, 0),
    ("B16", False, 1),
    ("C1", False, 0),
    ("C2", False, 0),
    ("C3", False, 0),
]


def test_gaps_and_wheelchair_spaces_round_trip(app_client, auth_header, clock):
    admin = auth_header("root", Role.ADMIN)
    created = app_client.post("/api/v1/events", json=layout_body(clock, ROWS), headers=admin)
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["seatsTotal"] == 14
    assert marks(event["seats"]) == EXPECTED

    detail = app_client.get(f"/api/v1/events/{event['id']}").json()
    assert marks(detail["seats"]) == EXPECTED
    seat_map = app_client.get(f"/api/v1/events/{event['id']}/seats").json()
    assert marks(seat_map) == EXPECTED

    a1 = next(s for s in seat_map if s["number"] == "A1")
    assert app_client.get(f"/api/v1/seats/{a1['id']}").json()["accessible"] is True
    alice = auth_header("alice")
    held = app_client.post("/api/v1/seats/lock", json={"seatIds": [a1["id"]]}, headers=alice)
    assert held.status_code == 200, held.text
    released = app_client.delete(f"/api/v1/seats/lock/{a1['id']}", headers=alice)
    assert released.status_code == 200, released.text
    assert released.json()["accessible"] is True
    assert "gapBefore" not in released.json()
    a4 = next(s for s in seat_map if s["number"] == "A4")
    assert "accessible" not in app_client.get(f"/api/v1/seats/{a4['id']}").json()
    assert app_client.get(f"/api/v1/seats/{a4['id']}").json()["gapBefore"] == 2


def test_the_buyers_page_draws_the_gaps_and_names_the_wheelchair_spaces(
    app_client, auth_header, clock
):
    admin = auth_header("root", Role.ADMIN)
    created = app_client.post("/api/v1/events", json=layout_body(clock, ROWS), headers=admin)
    page = app_client.get(f"/events/{created.json()['id']}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    assert html.count('class="seat-gap"') == 2 + 2 + 1
    assert html.count("data-accessible") == 2
    assert "Seat A1, wheelchair space, PLATEA" in html


@pytest.mark.parametrize(
    "row",
    [
        {"row": "A", "seats": 4, "gaps": [{"after": 4}]},  # after the last seat
        {"row": "A", "seats": 4, "gaps": [{"after": 0}]},  # before the first
        {"row": "A", "seats": 4, "gaps": [{"after": 2}, {"after": 2}]},
        {"row": "A", "seats": 4, "gaps": [{"after": 2, "width": 0}]},
        {"row": "A", "seats": 4, "accessible": [5]},
        {"row": "A", "seats": 4, "accessible": [0]},
        {"row": "A", "seats": 4, "accessible": [2, 2]},
        {"row": "A", "seats": 4, "accessible": ["x"]},
    ],
)
def test_marks_outside_the_row_are_refused_and_nothing_is_created(
    app_client, auth_header, clock, row
):
    admin = auth_header("root", Role.ADMIN)
    before = app_client.get("/api/v1/events", params={"limit": 100}).json()
    response = app_client.post("/api/v1/events", json=layout_body(clock, [row]), headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert app_client.get("/api/v1/events", params={"limit": 100}).json() == before
