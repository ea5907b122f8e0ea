"""Refunds and resends from the back office, over HTTP with the sandbox gateway, on both DBs."""

from __future__ import annotations

import email
import email.policy
import uuid

import pytest
from sqlalchemy import select

from seatguard.admin.models import AuditEntry
from seatguard.booking.models import Ticket
from seatguard.common.security import Role
from seatguard.payments.sandbox.tables import SandboxPaymentIntent
from tests.support.factories import make_event
from tests.support.payflow import live_stack

PRICE = 1500


@pytest.fixture
def stack(settings, db, clock, tmp_path):
    with live_stack(settings, db, clock, tmp_path / "outbox") as live:
        yield live


@pytest.fixture
def sold(stack, auth_header, db, clock):
    """Alice paid for three seats; (event id, seat ids, order id)."""
    event_id, seats = make_event(db, now=clock(), price_minor=PRICE)
    alice = auth_header("alice", email="alice@example.com")
    with stack.client(alice) as client:
        started = client.post(
            "/api/v1/stripe/create/checkout/session",
            json={"items": [{"seatIds": [{"id": str(s)} for s in seats[:3]]}]},
        ).json()
    assert stack.pay(started["url"]).status_code == 303
    stack.wait_for_webhooks(1)
    stack.drain()
    assert stack.order(started["orderId"]).status == "COMPLETED"
    return event_id, seats[:3], started["orderId"]


def emails_of(stack, kind: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(stack.outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["X-SeatGuard-Kind"] == kind:
            found.append(message)
    return found


def refunded_at_gateway(stack, order_id) -> int:
    intent = stack.order(order_id).payment_intent_id
    with stack.db.reader() as session:
        row = session.get(SandboxPaymentIntent, intent)
        assert row is not None
        return row.amount_refunded


def ticket_code(stack, seat_id) -> str:
    with stack.db.reader() as session:
        return session.scalars(select(Ticket.code).where(Ticket.seat_id == seat_id)).one()


def admin(auth_header):
    return auth_header("root", Role.ADMIN)


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF])
def test_customers_and_staff_get_403_and_change_nothing(stack, sold, auth_header, role):
    event_id, _, order_id = sold
    headers = auth_header("alice" if role is Role.CUSTOMER else "door", role)
    with stack.client(headers) as client:
        answers = [
            client.post(f"/api/v1/booking-orders/{order_id}/refund"),
            client.post(f"/api/v1/booking-orders/{order_id}/resend"),
            client.get(f"/api/v1/admin/events/{event_id}/cancellation"),
            client.get(f"/api/v1/admin/orders/{order_id}"),
        ]
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert stack.order(order_id).status == "COMPLETED"
    assert refunded_at_gateway(stack, order_id) == 0


def test_a_partial_refund_gives_back_those_seats_and_nothing_else(stack, sold, auth_header):
    event_id, seats, order_id = sold
    staff = auth_header("door", Role.STAFF)
    with stack.client(admin(auth_header)) as client:
        answer = client.post(
            f"/api/v1/booking-orders/{order_id}/refund",
            json={"seatIds": [str(seats[0])], "reason": "cannot come"},
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["refundedAmount"]) == ("COMPLETED", PRICE)
    assert {i["seatId"]: i["refunded"] for i in body["items"]} == {
        str(seats[0]): True,
        str(seats[1]): False,
        str(seats[2]): False,
    }
    assert refunded_at_gateway(stack, order_id) == PRICE  # the amount went to the gateway
    with stack.client() as client:
        seat_map = {
            s["id"]: s["status"] for s in client.get(f"/api/v1/events/{event_id}/seats").json()
        }
    assert [seat_map[str(s)] for s in seats] == ["AVAILABLE", "SOLD", "SOLD"]
    with stack.client(staff) as client:
        void = client.post("/api/v1/tickets/check-in", json={"code": ticket_code(stack, seats[0])})
        valid = client.post("/api/v1/tickets/check-in", json={"code": ticket_code(stack, seats[1])})
    assert (void.status_code, void.json()["error"]) == (409, "ticket_refunded")
    assert valid.status_code == 200, valid.text
    stack.drain()
    [mail] = emails_of(stack, "partial_refund")
    assert mail["To"].addresses[0].addr_spec == "alice@example.com"
    plain = mail.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "15.00" in text
    assert "seat 1" in text.lower()
    assert "seat 2" not in text.lower()
    with stack.db.reader() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.refunded")
        ).one()
    assert (entry.actor_id, entry.target_id) == ("root", order_id)
    assert str(seats[0]) in entry.details
    assert "cannot come" in entry.details


def test_a_repeated_request_answers_the_same_and_seats_are_never_refunded_twice(
    stack, sold, auth_header
):
    _, seats, order_id = sold
    url = f"/api/v1/booking-orders/{order_id}/refund"
    one = {"seatIds": [str(seats[0])]}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    with stack.client(admin(auth_header)) as client:
        first = client.post(url, json=one, headers=key)
        again = client.post(url, json=one, headers=key)
        other = client.post(url, json={"seatIds": [str(seats[0]), str(seats[1])]})
        stranger = client.post(url, json={"seatIds": [str(uuid.uuid4())]})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert (other.status_code, other.json()["error"]) == (409, "seats_already_refunded")
    assert stranger.status_code == 422
    assert refunded_at_gateway(stack, order_id) == PRICE
    stack.drain()
    assert len(emails_of(stack, "partial_refund")) == 1


def test_refunding_the_rest_refunds_the_order_with_what_was_left(stack, sold, auth_header):
    event_id, seats, order_id = sold
    url = f"/api/v1/booking-orders/{order_id}/refund"
    with stack.client(admin(auth_header)) as client:
        preview = client.get(f"/api/v1/admin/events/{event_id}/cancellation").json()
        client.post(url, json={"seatIds": [str(seats[2])]})
        whole = client.post(url)
        after = client.post(url)
    assert preview["paidOrders"] == 1
    assert whole.status_code == 200, whole.text
    assert whole.json()["status"] in ("REFUNDING", "REFUNDED")
    assert whole.json()["refundedAmount"] == 3 * PRICE
    assert refunded_at_gateway(stack, order_id) == 3 * PRICE  # the rest, not the total again
    assert (after.status_code, after.json()["error"]) == (409, "order_not_refundable")
    assert stack.seats(seats) == dict.fromkeys(seats, ("AVAILABLE", None))


def test_resend_sends_the_confirmation_again(stack, sold, auth_header):
    _, _, order_id = sold
    assert len(emails_of(stack, "confirmation")) == 1
    with stack.client(admin(auth_header)) as client:
        first = client.post(f"/api/v1/booking-orders/{order_id}/resend")
        second = client.post(f"/api/v1/booking-orders/{order_id}/resend")
    assert first.status_code == second.status_code == 202
    assert first.json()["email"] != second.json()["email"]
    stack.drain()
    mails = emails_of(stack, "confirmation")
    assert len(mails) == 3
    assert len({m["Message-ID"] for m in mails}) == 3
    with stack.db.reader() as session:
        resent = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.email_resent")
        ).all()
    assert [e.target_id for e in resent] == [order_id, order_id]


def test_the_order_page_data_shows_refunds_tickets_and_emails(stack, sold, auth_header):
    _, seats, order_id = sold
    with stack.client(admin(auth_header)) as client:
        client.post(f"/api/v1/booking-orders/{order_id}/refund", json={"seatIds": [str(seats[1])]})
        stack.drain()
        detail = client.get(f"/api/v1/admin/orders/{order_id}").json()
        missing = client.get(f"/api/v1/admin/orders/{uuid.uuid4()}")
    assert missing.status_code == 404
    [refund] = detail["refunds"]
    assert (refund["amount"], refund["status"], refund["seatIds"]) == (
        PRICE,
        "succeeded",
        [str(seats[1])],
    )
    assert refund["gatewayRefundId"].startswith("re_")
    voided = {t["seatId"]: t["voidedAt"] is not None for t in detail["tickets"]}
    assert voided == {str(seats[0]): False, str(seats[1]): True, str(seats[2]): False}
    assert {e["kind"] for e in detail["emails"]} == {"confirmation", "partial_refund-1"}
    assert detail["order"]["paymentIntentId"].startswith("pi_")
    assert detail["order"]["disputes"] == []
