"""Event states over HTTP (SQLite and PostgreSQL): drafts hidden from buyers, publish, close
and reopen sales (admins only, audited, illegal moves 409), and the sales window's checks."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from seatguard.booking.models import Event
from seatguard.common.security import Role
from tests.support.factories import event_body

MOVES = ("publish", "close-sales", "reopen-sales")


@pytest.fixture
def admin(auth_header):
    return auth_header("boss", Role.ADMIN)


def create(client, headers, **extra):
    r = client.post("/api/v1/events", json={**event_body(), **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_the_api_default_stays_on_sale(app_client, admin):
    event = create(app_client, admin)
    assert event["status"] == "ON_SALE"
    assert event["onSale"] is True
    assert event["salesStartAt"] is None
    assert event["salesEndAt"] is None


def test_a_draft_is_invisible_to_buyers_until_published(app_client, admin, auth_header):
    event = create(app_client, admin, status="DRAFT")
    assert event["status"] == "DRAFT"
    assert event["onSale"] is False
    event_id, seat = event["id"], event["seats"][0]["id"]
    customer = auth_header("carla")
    nobody: dict[str, str] = {}
    for headers in (nobody, customer, auth_header("door", Role.STAFF)):
        listed = app_client.get("/api/v1/events", headers=headers).json()
        assert event_id not in {e["id"] for e in listed}
        found = app_client.get("/api/v1/events", params={"q": "Test Concert"}).json()
        assert event_id not in {e["id"] for e in found}
        assert app_client.get(f"/api/v1/events/{event_id}", headers=headers).status_code == 404
        assert app_client.get(f"/api/v1/events/{event_id}/seats").status_code == 404
        mine = app_client.get(f"/api/v1/events/{event_id}/seats/mine", headers=customer)
        assert mine.status_code == 404
        assert app_client.get(f"/events/{event_id}").status_code == 404
    with app_client.stream("GET", f"/api/v1/events/{event_id}/seats/stream") as stream:
        assert stream.status_code == 404
    held = app_client.post("/api/v1/seats/lock", json={"seatIds": [seat]}, headers=customer)
    assert held.status_code == 409
    assert held.json()["error"] == "event_not_on_sale"
    # the admin sees it, in the API and in the back office's list
    assert app_client.get(f"/api/v1/events/{event_id}", headers=admin).json()["status"] == "DRAFT"
    overview = app_client.get("/api/v1/admin/events", headers=admin).json()
    assert {e["id"]: e["status"] for e in overview}[event_id] == "DRAFT"

    published = app_client.post(f"/api/v1/events/{event_id}/publish", headers=admin)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "ON_SALE"
    assert published.json()["onSale"] is True
    assert event_id in {e["id"] for e in app_client.get("/api/v1/events").json()}
    assert app_client.get(f"/api/v1/events/{event_id}/seats").status_code == 200
    assert app_client.get(f"/events/{event_id}").status_code == 200
    held = app_client.post("/api/v1/seats/lock", json={"seatIds": [seat]}, headers=customer)
    assert held.status_code == 200, held.text


def test_close_and_reopen_sales(app_client, admin, auth_header):
    event = create(app_client, admin)
    event_id, seats = event["id"], [s["id"] for s in event["seats"]]
    customer = auth_header("carla")
    closed = app_client.post(f"/api/v1/events/{event_id}/close-sales", headers=admin)
    assert closed.json()["status"] == "SALES_CLOSED"
    assert closed.json()["onSale"] is False
    # still shown to buyers, with the reason on the page
    assert event_id in {e["id"] for e in app_client.get("/api/v1/events").json()}
    page = app_client.get(f"/events/{event_id}")
    assert page.status_code == 200
    assert 'data-testid="sales-note"' in page.text
    assert 'data-on-sale="false"' in page.text
    held = app_client.post("/api/v1/seats/lock", json={"seatIds": seats[:1]}, headers=customer)
    assert held.status_code == 409
    assert held.json()["error"] == "sales_closed"
    checkout = app_client.post(
        "/api/v1/stripe/create/checkout/session",
        json={"seatIds": seats[:1]},
        headers=customer,
    )
    assert checkout.status_code == 409, checkout.text
    assert checkout.json()["error"] == "sales_closed"
    reopened = app_client.post(f"/api/v1/events/{event_id}/reopen-sales", headers=admin)
    assert reopened.json()["status"] == "ON_SALE"
    held = app_client.post("/api/v1/seats/lock", json={"seatIds": seats[:1]}, headers=customer)
    assert held.status_code == 200, held.text


@pytest.mark.parametrize(
    ("start", "illegal"),
    [
        ("DRAFT", ("close-sales", "reopen-sales")),
        ("ON_SALE", ("publish", "reopen-sales")),
        ("SALES_CLOSED", ("publish", "close-sales")),
        ("CANCELLED", MOVES),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(app_client, admin, db, start, illegal):
    event_id = create(app_client, admin)["id"]
    with db.unit_of_work() as session:
        session.execute(
            sa.update(Event).where(Event.id == uuid.UUID(event_id)).values(status=start)
        )
    for move in illegal:
        r = app_client.post(f"/api/v1/events/{event_id}/{move}", headers=admin)
        assert r.status_code == 409, (move, r.text)
        assert r.json()["error"] == "illegal_event_transition"
    status = app_client.get(f"/api/v1/events/{event_id}", headers=admin).json()["status"]
    assert status == start


def test_moves_are_for_admins_only_and_audited(app_client, admin, auth_header):
    event_id = create(app_client, admin, status="DRAFT")["id"]
    for role in (Role.CUSTOMER, Role.STAFF):
        for move in MOVES:
            r = app_client.post(f"/api/v1/events/{event_id}/{move}", headers=auth_header("x", role))
            assert r.status_code == 403, (role, move)
    for move in MOVES:
        assert app_client.post(f"/api/v1/events/{event_id}/{move}").status_code == 401
    for move in MOVES:
        assert app_client.post(f"/api/v1/events/{event_id}/{move}", headers=admin).is_success
    log = app_client.get("/api/v1/admin/audit", params={"targetId": event_id}, headers=admin).json()
    details = {e["action"]: e["details"] for e in log}  # one frozen instant: no order
    assert details == {
        "event.created": details["event.created"],
        "event.published": {"from": "DRAFT", "to": "ON_SALE"},
        "event.sales_closed": {"from": "ON_SALE", "to": "SALES_CLOSED"},
        "event.sales_reopened": {"from": "SALES_CLOSED", "to": "ON_SALE"},
    }
    assert all(e["actorId"] == "boss" for e in log)
    unknown = "00000000-0000-0000-0000-000000000000"
    assert app_client.post(f"/api/v1/events/{unknown}/publish", headers=admin).status_code == 404


def test_the_sales_window_is_checked_on_create_and_edit(app_client, admin, clock):
    starts = clock() + timedelta(days=30)
    body = event_body(date=starts)
    for start, end in [
        (None, starts + timedelta(minutes=1)),  # closes after the start
        (starts, None),  # opens at the start
        (starts - timedelta(days=2), starts - timedelta(days=3)),  # closes before it opens
        (starts - timedelta(days=2), starts - timedelta(days=2)),  # an empty window
    ]:
        window = {
            "salesStartAt": start.isoformat() if start else None,
            "salesEndAt": end.isoformat() if end else None,
        }
        r = app_client.post("/api/v1/events", json={**body, **window}, headers=admin)
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "invalid_sales_window"
    opens = clock() + timedelta(days=1)
    event = create(
        app_client,
        admin,
        **{**body, "salesStartAt": opens.isoformat(), "salesEndAt": starts.isoformat()},
    )
    assert event["onSale"] is False
    event_id = event["id"]
    page = app_client.get(f"/events/{event_id}", headers={"Accept-Language": "es"})
    assert "La venta abre el" in page.text
    hold = app_client.post(
        "/api/v1/seats/lock",
        json={"seatIds": [event["seats"][0]["id"]]},
        headers={**admin, "Accept-Language": "es"},
    )
    assert hold.status_code == 409
    assert hold.json()["error"] == "sales_not_open"
    assert hold.json()["message"] == "La venta de este evento todavía no abrió."
    # moving the start before the window's end is refused; nothing changes
    early = {"date": (starts - timedelta(days=10)).isoformat()}
    r = app_client.patch(f"/api/v1/events/{event_id}", json=early, headers=admin)
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_sales_window"
    # null clears a bound: sales open at once
    r = app_client.patch(f"/api/v1/events/{event_id}", json={"salesStartAt": None}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["salesStartAt"] is None
    assert r.json()["onSale"] is True
    assert r.json()["salesEndAt"] is not None


def test_the_database_refuses_an_unknown_event_status(db, app_client, admin):
    event_id = uuid.UUID(create(app_client, admin)["id"])
    for status in ("DRAFT", "SALES_CLOSED", "CANCELLED", "ON_SALE"):
        with db.unit_of_work() as session:
            session.execute(sa.update(Event).where(Event.id == event_id).values(status=status))
    with pytest.raises(sa.exc.IntegrityError), db.unit_of_work() as session:
        session.execute(sa.update(Event).where(Event.id == event_id).values(status="PAUSED"))
