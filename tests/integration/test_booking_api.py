"""The booking HTTP API through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from seatguard.booking.seed import seed_demo
from seatguard.common.security import Role, mint_token
from tests.support.factories import event_body, make_event


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error", "message"}
    if code:
        assert body["error"] == code
    return body


@pytest.fixture
def seeded(db, clock):
    with db.unit_of_work() as session:
        seed_demo(session, now=clock())


def test_events_are_a_bare_array_with_availability_and_total_header(app_client, seeded):
    response = app_client.get("/api/v1/events", params={"limit": 5})
    assert response.status_code == 200
    events = response.json()
    assert isinstance(events, list)
    assert len(events) == 5
    assert response.headers["X-Total-Count"] == "12"
    first = events[0]
    assert {"id", "name", "description", "location", "date", "posterUrl", "gender"} <= set(first)
    assert first["seatsTotal"] == 100
    assert 0 < first["seatsAvailable"] < 100
    page2 = app_client.get("/api/v1/events", params={"limit": 5, "page": 2}).json()
    assert not {e["id"] for e in events} & {e["id"] for e in page2}


def test_event_filters(app_client, seeded):
    rock = app_client.get("/api/v1/events", params={"gender": "ROCK"}).json()
    assert rock
    assert {e["gender"] for e in rock} == {"ROCK"}
    by_name = app_client.get("/api/v1/events", params={"name": "noche"}).json()
    assert [e["name"] for e in by_name] == ["Noche Electrónica"]
    by_place = app_client.get("/api/v1/events", params={"location": "la plata"}).json()
    assert all("La Plata" in e["location"] for e in by_place)
    assert by_place
    nothing = app_client.get("/api/v1/events", params={"name": "%"}).json()
    assert nothing == []
    assert_error(app_client.get("/api/v1/events", params={"gender": "polka"}), 422, "unknown_genre")


def test_event_detail_carries_its_seat_map(app_client, seeded):
    event = app_client.get("/api/v1/events", params={"limit": 1}).json()[0]
    detail = app_client.get(f"/api/v1/events/{event['id']}").json()
    seats = detail["seats"]
    assert len(seats) == 100
    vip = [s for s in seats if s["section"] == "VIP"]
    assert len(vip) == 15
    assert vip[0]["number"] == "A1"
    assert vip[0]["price"] == 300.0
    assert vip[0]["priceMinor"] == 30000
    assert {s["status"] for s in seats} == {"AVAILABLE", "SOLD"}
    same = app_client.get(f"/api/v1/events/{event['id']}/seats").json()
    assert [s["id"] for s in same] == [s["id"] for s in seats]


def test_unknown_and_malformed_ids(app_client):
    assert_error(app_client.get(f"/api/v1/events/{uuid.uuid4()}"), 404, "event_not_found")
    assert_error(app_client.get("/api/v1/events/not-a-uuid"), 422, "validation_error")
    assert_error(app_client.get(f"/api/v1/seats/{uuid.uuid4()}"), 404, "seat_not_found")


def test_admin_creates_edits_and_cancels_an_event(app_client, auth_header, clock):
    admin = auth_header("root", Role.ADMIN)
    body = event_body(
        sections=[("VIP", "A", 5, 30000), ("GENERAL", "G", 20, 15000)],
        date=clock() + timedelta(days=30),
    )
    created = app_client.post("/api/v1/events", json=body, headers=admin)
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["seatsTotal"] == 25
    assert event["seatsAvailable"] == 25
    assert {s["priceMinor"] for s in event["seats"]} == {30000, 15000}

    edited = app_client.patch(
        f"/api/v1/events/{event['id']}", json={"name": "Renamed"}, headers=admin
    )
    assert edited.json()["name"] == "Renamed"
    cancelled = app_client.delete(f"/api/v1/events/{event['id']}", headers=admin)
    assert cancelled.json()["status"] == "CANCELLED"
    assert event["id"] not in {e["id"] for e in app_client.get("/api/v1/events").json()}
    seat = event["seats"][0]["id"]
    hold = app_client.post(f"/api/v1/seats/lock/{seat}/uid/alice", headers=auth_header("alice"))
    assert_error(hold, 409, "event_not_on_sale")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {"sections": [{"name": "X", "priceMinor": -1, "rows": [{"row": "A", "seats": 3}]}]},
            "validation_error",
        ),
        ({"date": "2001-01-01T00:00:00Z"}, "date_in_past"),
        ({"gender": "POLKA"}, "validation_error"),
        ({"timezone": "Mars/Olympus"}, "validation_error"),
        ({"sections": []}, "validation_error"),
    ],
)
def test_bad_event_bodies_are_422(app_client, auth_header, change, code):
    body = {**event_body(), **change}
    response = app_client.post("/api/v1/events", json=body, headers=auth_header("root", Role.ADMIN))
    assert_error(response, 422, code)


def test_customers_cannot_manage_events(app_client, auth_header):
    response = app_client.post("/api/v1/events", json=event_body(), headers=auth_header("bob"))
    assert_error(response, 403, "admin_only")
    assert_error(app_client.post("/api/v1/events", json=event_body()), 401, "missing_token")


def test_hold_release_and_conflicts_over_http(app_client, auth_header, db, clock):
    event_id, seats = make_event(db, now=clock())
    alice, bob = auth_header("alice"), auth_header("bob")
    one = app_client.post(f"/api/v1/seats/lock/{seats[0]}/uid/alice", headers=alice)
    assert one.status_code == 200, one.text
    assert one.json()["status"] == "LOCKED"
    assert one.json()["expiresAt"]
    also_patch = app_client.patch(f"/api/v1/seats/lock/{seats[1]}/uid/alice", headers=alice)
    assert also_patch.status_code == 200

    clash = app_client.post(
        "/api/v1/seats/lock", json={"seatIds": [str(seats[1]), str(seats[2])]}, headers=bob
    )
    body = assert_error(clash, 409, "seats_unavailable")
    assert body["details"]["seatIds"] == [str(seats[1])]
    seat2 = app_client.get(f"/api/v1/seats/{seats[2]}").json()
    assert seat2["status"] == "AVAILABLE"  # all or nothing

    assert_error(
        app_client.post(f"/api/v1/seats/lock/{seats[3]}/uid/alice", headers=bob),
        403,
        "uid_mismatch",
    )
    assert_error(app_client.delete(f"/api/v1/seats/lock/{seats[0]}", headers=bob), 403)
    released = app_client.delete(f"/api/v1/seats/lock/{seats[0]}", headers=alice)
    assert released.json()["status"] == "AVAILABLE"

    seat_map = app_client.get(f"/api/v1/events/{event_id}/seats").json()
    assert [s["status"] for s in seat_map].count("LOCKED") == 1


def test_expired_holds_show_available(app_client, auth_header, db, clock):
    event_id, seats = make_event(db, now=clock())
    app_client.post(f"/api/v1/seats/lock/{seats[0]}/uid/alice", headers=auth_header("alice"))
    clock.advance(minutes=16)
    seat = app_client.get(f"/api/v1/seats/{seats[0]}").json()
    assert seat["status"] == "AVAILABLE"
    event = app_client.get(f"/api/v1/events/{event_id}").json()
    assert event["seatsAvailable"] == 10


def test_admin_seat_status_follows_legal_transitions(app_client, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    admin = auth_header("root", Role.ADMIN)
    sold = app_client.patch(f"/api/v1/seats/{seats[0]}", json={"status": "SOLD"}, headers=admin)
    assert sold.json()["status"] == "SOLD"
    assert_error(
        app_client.patch(f"/api/v1/seats/{seats[0]}", json={"status": "LOCKED"}, headers=admin),
        409,
        "illegal_transition",
    )
    app_client.post(f"/api/v1/seats/lock/{seats[1]}/uid/alice", headers=auth_header("alice"))
    assert_error(
        app_client.patch(f"/api/v1/seats/{seats[1]}", json={"status": "SOLD"}, headers=admin),
        409,
        "illegal_transition",
    )
    assert_error(
        app_client.patch(f"/api/v1/seats/{seats[1]}", json={"status": "GONE"}, headers=admin),
        422,
    )
    assert_error(
        app_client.patch(
            f"/api/v1/seats/{seats[2]}", json={"status": "SOLD"}, headers=auth_header("alice")
        ),
        403,
    )


def test_bad_tokens_and_bodies_are_4xx(app_client, settings, db, clock):
    _, seats = make_event(db, now=clock())
    url = f"/api/v1/seats/lock/{seats[0]}/uid/alice"
    expired = mint_token(settings, user_id="alice", lifetime=timedelta(seconds=-10))
    assert_error(
        app_client.post(url, headers={"Authorization": f"Bearer {expired}"}), 401, "token_expired"
    )
    assert_error(
        app_client.post(url, headers={"Authorization": "Bearer nonsense"}), 401, "invalid_token"
    )
    assert_error(app_client.post(url, headers={"X-Internal-Secret": "anything"}), 401)
    token = mint_token(settings, user_id="alice")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    assert_error(
        app_client.post("/api/v1/seats/lock", content=b"{nope", headers=headers),
        400,
        "malformed_json",
    )
    assert_error(app_client.post("/api/v1/seats/lock", json={"seatIds": []}, headers=headers), 422)
    assert_error(
        app_client.post("/api/v1/seats/lock", json={"seatIds": ["x"]}, headers=headers), 422
    )
    huge = b'{"seatIds": ["' + b"a" * 2_000_000 + b'"]}'
    assert_error(app_client.post("/api/v1/seats/lock", content=huge, headers=headers), 413)


def test_health_is_liveness_and_ready_checks_the_database(app_client):
    assert app_client.get("/health").json() == {"status": "ok"}
    assert app_client.get("/ready").json()["database"] == "ok"


def test_rows_named_with_unicode_digits_are_listed_not_500(app_client, auth_header, clock):
    body = event_body(
        sections=[("VIP", "²", 3, 1000), ("VIP2", "٣", 2, 1000)], date=clock() + timedelta(days=30)
    )
    created = app_client.post("/api/v1/events", json=body, headers=auth_header("root", Role.ADMIN))
    assert created.status_code == 201, created.text
    assert [s["number"] for s in created.json()["seats"]][:3] == ["²1", "²2", "²3"]


def test_search_is_case_and_accent_insensitive_over_name_artist_venue_and_city(
    app_client, auth_header
):
    admin = auth_header("admin-search", Role.ADMIN)
    body = {
        **event_body(name="Rock en el Río", date=datetime(2031, 3, 14, 23, tzinfo=UTC)),
        "artist": "Lali",
        "location": "Estadio Único, La Plata",
    }
    created = app_client.post("/api/v1/events", json=body, headers=admin)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]

    def found(**params):
        response = app_client.get("/api/v1/events", params={"limit": 100, **params})
        assert response.status_code == 200, response.text
        return {e["id"] for e in response.json()}

    for query in ("rio", "RÍO", "lali", "LALÍ", "unico", "la plata", "rock rio", "ESTADIO lali"):
        assert event_id in found(q=query), query
    assert event_id not in found(q="rio soda")  # every word must match
    assert event_id not in found(q="%")  # LIKE wildcards are literal
    assert event_id in found(q="rio", **{"from": "2031-03-14", "to": "2031-03-14"})
    assert event_id not in found(q="rio", **{"from": "2031-03-15"})
    assert event_id not in found(q="rio", to="2031-03-13")
    assert event_id in found(name="Río")  # the original's filters keep working
    patched = app_client.patch(f"/api/v1/events/{event_id}", json={"artist": "Soda"}, headers=admin)
    assert patched.status_code == 200, patched.text
    assert event_id in found(q="soda rio")  # the search text follows edits
    assert event_id not in found(q="lali")
    bad = app_client.get("/api/v1/events", params={"from": "yesterday"})
    assert bad.status_code == 422
