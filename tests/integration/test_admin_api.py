"""The back-office API on SQLite and PostgreSQL: roles, audit log, order search, CSV exports."""

from __future__ import annotations

import csv
import io
import tracemalloc
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, update

from seatguard.admin import exports
from seatguard.booking.models import Order, OrderItem, Seat, Ticket
from seatguard.common.security import Role
from tests.support.factories import event_body, make_event
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()
ADMIN_GETS = [
    "/api/v1/admin/events",
    f"/api/v1/admin/events/{uuid.UUID(int=1)}/dashboard",
    "/api/v1/admin/audit",
    "/api/v1/admin/orders",
    "/api/v1/admin/orders.csv",
    f"/api/v1/admin/events/{uuid.UUID(int=1)}/attendees.csv",
]


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_only_admins_reach_the_back_office(app_client, auth_header, path):
    assert app_client.get(path).status_code == 401
    for role in (Role.CUSTOMER, Role.STAFF):
        response = app_client.get(path, headers=auth_header(f"u-{role}", role))
        assert response.status_code == 403, (role, response.text)
        assert response.json()["error"] == "admin_only"
    admin = app_client.get(path, headers=auth_header("boss", Role.ADMIN))
    assert admin.status_code in (200, 404)  # 404: the made-up event of the attendee export


def test_every_admin_action_lands_in_the_audit_log(app_client, auth_header, clock):
    admin = auth_header("boss", Role.ADMIN)
    created = app_client.post("/api/v1/events", json=event_body(name="Audited"), headers=admin)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    seat_id = created.json()["seats"][0]["id"]
    assert app_client.patch(
        f"/api/v1/events/{event_id}", json={"artist": "Soda"}, headers=admin
    ).is_success
    assert app_client.patch(
        f"/api/v1/seats/{seat_id}", json={"status": "SOLD"}, headers=admin
    ).is_success
    assert app_client.get(
        f"/api/v1/admin/events/{event_id}/attendees.csv", headers=admin
    ).is_success
    assert app_client.delete(f"/api/v1/events/{event_id}", headers=admin).is_success
    # a refused action (a customer's attempt) writes nothing
    customer = auth_header("eve", Role.CUSTOMER)
    assert app_client.delete(f"/api/v1/events/{event_id}", headers=customer).status_code == 403

    log = app_client.get("/api/v1/admin/audit", params={"targetId": event_id}, headers=admin)
    assert log.status_code == 200
    actions = [e["action"] for e in log.json()]
    assert sorted(actions) == sorted(
        ["event.created", "event.edited", "data.exported", "event.cancelled"]
    )
    assert all(e["actorId"] == "boss" and e["actorRole"] == "admin" for e in log.json())
    assert log.headers["X-Total-Count"] == "4"
    edited = next(e for e in log.json() if e["action"] == "event.edited")
    assert edited["details"] == {"artist": "Soda"}
    seat_log = app_client.get(
        "/api/v1/admin/audit", params={"action": "seat.status_changed"}, headers=admin
    ).json()
    assert [(e["targetId"], e["details"]["status"]) for e in seat_log] == [(seat_id, "SOLD")]
    bad = app_client.get("/api/v1/admin/audit", params={"action": "nope"}, headers=admin)
    assert bad.status_code == 422


def test_orders_are_found_by_email_name_reference_status_and_date(
    app_client, auth_header, db, clock
):
    admin = auth_header("boss", Role.ADMIN)
    ana = make_paid_order(db, now=clock(), private_key=KEY, email="ana@example.com")
    bob = make_paid_order(
        db, now=clock(), private_key=KEY, email="bob@example.org", name="Roberto Díaz"
    )
    pending = make_paid_order(
        db,
        now=clock() + timedelta(days=2),
        private_key=KEY,
        email="carla@example.com",
        name="Carla",
        status="PENDING",
        with_tickets=False,
    )

    def ids(**params):
        response = app_client.get("/api/v1/admin/orders", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return {o["id"] for o in response.json()}

    assert ids(q="ANA@EXAMPLE") == {str(ana.order_id)}
    assert ids(q="roberto") == {str(bob.order_id)}
    assert ids(q=bob.order_id.hex[:8].upper()) == {str(bob.order_id)}
    assert ids(q=str(pending.order_id)) == {str(pending.order_id)}
    assert ids(status="PENDING") >= {str(pending.order_id)}
    assert str(ana.order_id) not in ids(status="PENDING")
    assert ids(q="%") == set()  # a wildcard is a literal
    day = (clock() + timedelta(days=2)).date().isoformat()
    assert ids(q="example", **{"from": day}) == {str(pending.order_id)}
    assert ids(q="example", to=clock().date().isoformat()) == {
        str(ana.order_id),
        str(bob.order_id),
    }
    found = app_client.get("/api/v1/admin/orders", params={"q": "roberto"}, headers=admin)
    summary = found.json()[0]
    assert summary["reference"] == bob.order_id.hex[:8].upper()
    assert summary["seats"] == 2
    assert summary["customerEmail"] == "bob@example.org"


def test_attendee_export_lists_every_ticket_with_the_buyer(app_client, auth_header, db, clock):
    admin = auth_header("boss", Role.ADMIN)
    paid = make_paid_order(
        db, now=clock(), private_key=KEY, name="=HYPERLINK(evil)", email="ana@example.com"
    )
    with db.unit_of_work() as session:
        session.execute(
            update(Ticket).where(Ticket.id == paid.ticket_ids[0]).values(checked_in_at=clock())
        )
    response = app_client.get(f"/api/v1/admin/events/{paid.event_id}/attendees.csv", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    assert {r["ticket_id"] for r in rows} == {str(t) for t in paid.ticket_ids}
    first = next(r for r in rows if r["ticket_id"] == str(paid.ticket_ids[0]))
    assert first["order_reference"] == paid.order_id.hex[:8].upper()
    assert first["name"] == "'=HYPERLINK(evil)"  # never run as a spreadsheet formula
    assert first["email"] == "ana@example.com"
    assert (first["section"], first["row"], first["price"], first["currency"]) == (
        "GENERAL",
        "G",
        "15.00",
        "USD",
    )
    assert first["status"] == "COMPLETED"
    assert first["checked_in_at"].startswith(clock().date().isoformat())
    missing = app_client.get(
        f"/api/v1/admin/events/{uuid.UUID(int=5)}/attendees.csv", headers=admin
    )
    assert missing.status_code == 404
    assert missing.json()["error"] == "event_not_found"

    orders = app_client.get("/api/v1/admin/orders.csv", headers=admin)
    assert orders.status_code == 200
    order_rows = list(csv.DictReader(io.StringIO(orders.text)))
    mine = next(r for r in order_rows if r["order_id"] == str(paid.order_id))
    assert (mine["status"], mine["amount"], mine["seats"]) == ("COMPLETED", "30.00", "2")


def _big_event(db, clock, tickets: int) -> uuid.UUID:
    """An event with ``tickets`` sold seats, each with a ticket, written in bulk."""
    now = clock()
    event_id, _ = make_event(db, now=now, seats=1)
    order_id = uuid.uuid4()
    seat_ids = [uuid.uuid4() for _ in range(tickets)]
    with db.unit_of_work() as session:
        session.execute(
            insert(Order),
            [
                {
                    "id": order_id,
                    "user_id": "bulk",
                    "event_id": event_id,
                    "status": "COMPLETED",
                    "currency": "usd",
                    "amount_total": 100 * tickets,
                    "customer_email": "bulk@example.com",
                    "customer_name": "Bulk Buyer",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        session.execute(
            insert(Seat),
            [
                {
                    "id": s,
                    "event_id": event_id,
                    "section": "FIELD",
                    "row": str(i // 1000),
                    "number": str(i % 1000),
                    "price_minor": 100,
                    "status": "SOLD",
                    "order_id": order_id,
                    "updated_at": now,
                }
                for i, s in enumerate(seat_ids)
            ],
        )
        session.execute(
            insert(OrderItem),
            [{"order_id": order_id, "seat_id": s, "amount": 100} for s in seat_ids],
        )
        session.execute(
            insert(Ticket),
            [
                {
                    "order_id": order_id,
                    "seat_id": s,
                    "code": "x" * 120,
                    "short_code": uuid.uuid4().hex[:12].upper(),
                    "issued_at": now,
                }
                for s in seat_ids
            ],
        )
    return event_id


def _peak_bytes_of_export(db, event_id: uuid.UUID) -> tuple[int, int]:
    tracemalloc.start()
    try:
        size = sum(
            len(chunk)
            for chunk in exports.csv_lines(
                exports.ATTENDEE_COLUMNS, exports.attendee_rows(db, event_id)
            )
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return size, peak


def test_a_large_export_streams_in_bounded_memory(db, clock):
    small = _big_event(db, clock, 1_000)
    large = _big_event(db, clock, 10_000)
    small_size, small_peak = _peak_bytes_of_export(db, small)
    large_size, large_peak = _peak_bytes_of_export(db, large)
    assert large_size > 9 * small_size  # ten times the rows went out...
    assert large_peak < 2 * small_peak, (small_peak, large_peak)  # ...in about the same memory
    assert large_peak < large_size  # never the whole file at once


def test_sales_figures_per_event_section_and_day(app_client, auth_header, db, clock):
    admin = auth_header("boss", Role.ADMIN)
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2)
    refunded = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    with db.unit_of_work() as session:
        session.execute(
            update(Order).where(Order.id == refunded.order_id).values(status="REFUNDED")
        )
        session.execute(
            update(Ticket).where(Ticket.id == paid.ticket_ids[0]).values(checked_in_at=clock())
        )
    overview = app_client.get("/api/v1/admin/events", headers=admin)
    assert overview.status_code == 200
    row = next(e for e in overview.json() if e["id"] == str(paid.event_id))
    assert row["seats"] == {"total": 4, "sold": 2, "held": 0, "free": 2}
    assert (row["orders"], row["revenueMinor"], row["checkedIn"]) == (1, 3000, 1)
    other = next(e for e in overview.json() if e["id"] == str(refunded.event_id))
    assert (other["refundedOrders"], other["refundedMinor"], other["revenueMinor"]) == (1, 1500, 0)

    board = app_client.get(f"/api/v1/admin/events/{paid.event_id}/dashboard", headers=admin)
    assert board.status_code == 200
    body = board.json()
    assert body["event"]["revenueMinor"] == 3000
    assert body["sections"] == [
        {
            "section": "GENERAL",
            "seats": {"total": 4, "sold": 2, "held": 0, "free": 2},
            "soldMinor": 3000,
        }
    ]
    assert len(body["salesByDay"]) == 1
    assert body["salesByDay"][0]["tickets"] == 2
    assert body["salesByDay"][0]["revenueMinor"] == 3000
    missing = app_client.get(f"/api/v1/admin/events/{uuid.UUID(int=9)}/dashboard", headers=admin)
    assert missing.status_code == 404
