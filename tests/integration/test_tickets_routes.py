"""Ticket HTTP routes: ownership, PDF download, door check-in and the public key."""

from __future__ import annotations

import io
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader

from seatguard.common.security import Role
from seatguard.tickets.codes import sign_ticket, verify_code
from seatguard.tickets.keys import parse_public_key, private_key_pem
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"ticket_signing_key": private_key_pem(KEY)})


def test_public_key_is_published_and_verifies_codes(app_client, db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    body = app_client.get("/api/v1/tickets/public-key").json()
    assert body["algorithm"] == "Ed25519"
    for text in (body["pem"], body["raw"]):
        claims = verify_code(paid.codes[paid.ticket_ids[0]], parse_public_key(text))
        assert claims.ticket_id == paid.ticket_ids[0]


def test_owner_lists_and_downloads_tickets(app_client, db, clock, auth_header):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2, user_id="alice")
    make_paid_order(db, now=clock(), private_key=KEY, seats=1, user_id="bob")
    alice = auth_header("alice")

    mine = app_client.get("/api/v1/tickets", headers=alice)
    assert mine.status_code == 200
    assert mine.headers["X-Total-Count"] == "2"
    assert {t["id"] for t in mine.json()} == {str(t) for t in paid.ticket_ids}

    of_order = app_client.get(f"/api/v1/tickets/{paid.order_id}", headers=alice).json()
    assert [t["seatLabel"] for t in of_order] == ["GENERAL G1", "GENERAL G2"]
    assert all(t["code"].startswith("SG1.") for t in of_order)

    pdf = app_client.get(f"/api/v1/tickets/{paid.order_id}/download", headers=alice)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert ".pdf" in pdf.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 2
    assert str(paid.order_id) in reader.pages[0].extract_text()
    again = app_client.get(f"/api/v1/tickets/{paid.order_id}/download", headers=alice)
    assert again.content == pdf.content


def test_others_orders_are_404_and_admin_sees_all(app_client, db, clock, auth_header):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1, user_id="alice")
    make_paid_order(db, now=clock(), private_key=KEY, seats=2, user_id="bob")
    bob = auth_header("bob")
    for path in (f"/api/v1/tickets/{paid.order_id}", f"/api/v1/tickets/{paid.order_id}/download"):
        response = app_client.get(path, headers=bob)
        assert response.status_code == 404
        assert response.json()["error"] == "order_not_found"
    admin = auth_header("root", role=Role.ADMIN)
    assert app_client.get(f"/api/v1/tickets/{paid.order_id}", headers=admin).status_code == 200
    everyone = app_client.get("/api/v1/tickets", headers=admin)
    assert everyone.headers["X-Total-Count"] == "3"
    assert app_client.get("/api/v1/tickets").status_code == 401


def test_check_in_over_http(app_client, db, clock, auth_header):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    code = paid.codes[paid.ticket_ids[0]]
    staff = auth_header("door-1", role=Role.STAFF)

    customer = app_client.post(
        "/api/v1/tickets/check-in", json={"code": code}, headers=auth_header("alice")
    )
    assert customer.status_code == 403

    first = app_client.post("/api/v1/tickets/check-in", json={"code": code}, headers=staff)
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "CHECKED_IN"
    assert (body["section"], body["row"], body["number"]) == ("GENERAL", "G", "1")
    assert body["holderName"] == "Ana Peña"

    second = app_client.post("/api/v1/tickets/check-in", json={"code": code}, headers=staff)
    assert second.status_code == 409
    assert second.json()["error"] == "already_checked_in"
    assert second.json()["details"]["checkedInAt"]

    forged = sign_ticket(
        ticket_id=paid.ticket_ids[0],
        event_id=paid.event_id,
        seat_label="GENERAL G1",
        private_key=Ed25519PrivateKey.generate(),
    )
    response = app_client.post("/api/v1/tickets/check-in", json={"code": forged}, headers=staff)
    assert (response.status_code, response.json()["error"]) == (404, "forged_code")
    malformed = {"code": "SG1.hello"}  # a short code's shape is another error (422)
    response = app_client.post("/api/v1/tickets/check-in", json=malformed, headers=staff)
    assert (response.status_code, response.json()["error"]) == (400, "malformed_code")
    unknown = sign_ticket(
        ticket_id=uuid.uuid4(), event_id=paid.event_id, seat_label="X1", private_key=KEY
    )
    response = app_client.post("/api/v1/tickets/check-in", json={"code": unknown}, headers=staff)
    assert (response.status_code, response.json()["error"]) == (404, "unknown_ticket")
