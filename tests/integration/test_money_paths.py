"""Every paid order ends with tickets or a refund: over HTTP, the sandbox gateway and the
worker, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import logging
import uuid
from datetime import timedelta
from email.utils import parseaddr

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from seatguard.booking.models import Ticket
from seatguard.common.security import Role
from seatguard.payments.sandbox.tables import SandboxRefund
from seatguard.tickets.codes import verify_code
from tests.support.factories import event_body
from tests.support.payflow import live_stack

LONG_SECTION = "Балкон второго яруса, правая сторона"  # 36 characters, 67 bytes of UTF-8


@pytest.fixture
def stack(settings, db, clock, tmp_path):
    with live_stack(settings, db, clock, tmp_path / "outbox") as live:
        yield live


def create_event(stack, auth_header, **body_changes):
    admin = auth_header("root", Role.ADMIN)
    body = event_body(
        sections=[(LONG_SECTION, "Ложа", 3, 2500)],
        date=stack.clock() + timedelta(days=30),
        name="Спектакль 🎭 — премьера",
    )
    body.update(body_changes)
    with stack.client(admin) as client:
        created = client.post("/api/v1/events", json=body)
        assert created.status_code == 201, created.text
        event_id = created.json()["id"]
        seats = client.get(f"/api/v1/events/{event_id}/seats").json()
    return event_id, [s["id"] for s in seats]


def checkout(stack, headers, seat_ids):
    with stack.client(headers) as client:
        started = client.post(
            "/api/v1/stripe/create/checkout/session",
            json={"currency": "USD", "items": [{"seatIds": [{"id": s} for s in seat_ids]}]},
        )
    assert started.status_code == 201, started.text
    return started.json()


def buy(stack, headers, seat_ids):
    started = checkout(stack, headers, seat_ids)
    assert stack.pay(started["url"]).status_code == 303
    return started


def settle(stack, *, events: int, rounds: int = 12) -> None:
    """Webhooks in, then the worker (and its retries' backoff) until nothing is left."""
    stack.wait_for_webhooks(events)
    for _ in range(rounds):
        stack.drain()
        stack.clock.advance(minutes=6)  # past any retry backoff


def emails_of(stack, kind: str) -> list[email.message.EmailMessage]:
    found: list[email.message.EmailMessage] = []
    for path in stack.outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        if message["X-SeatGuard-Kind"] == kind:
            found.append(message)
    return found


def cancel(stack, auth_header, event_id):
    with stack.client(auth_header("root", Role.ADMIN)) as client:
        answer = client.delete(f"/api/v1/events/{event_id}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "CANCELLED"


def test_a_long_non_latin_seat_label_is_sold_ticketed_and_emailed(stack, auth_header):
    event_id, seats = create_event(stack, auth_header)
    alice = auth_header("alice", email="alice@example.com")
    started = buy(stack, alice, seats[:1])
    settle(stack, events=1)

    order = stack.order(started["orderId"])
    assert (order.status, order.status_reason) == ("COMPLETED", None)
    with stack.db.reader() as session:
        code = session.query(Ticket.code).filter(Ticket.order_id == order.id).scalar()
    claims = verify_code(code, stack.services.ticket_keys.public_key)
    assert (claims.event_id, LONG_SECTION[:20]) == (uuid.UUID(event_id), claims.seat_label[:20])
    [confirmation] = emails_of(stack, "confirmation")
    assert "Спектакль 🎭 — премьера" in confirmation["Subject"]
    assert any(p.get_content_type() == "application/pdf" for p in confirmation.walk())


def test_the_api_refuses_control_characters_where_they_would_break_a_ticket(stack, auth_header):
    admin = auth_header("root", Role.ADMIN)
    for field, value in [("name", "Gala\r\nBcc: x@evil.test"), ("location", "Hall\x00")]:
        body = event_body(date=stack.clock() + timedelta(days=30))
        body[field] = value
        with stack.client(admin) as client:
            assert client.post("/api/v1/events", json=body).status_code == 422, field


def test_checkout_opened_before_the_event_is_cancelled_and_paid_after_is_refunded(
    stack, auth_header
):
    event_id, seats = create_event(stack, auth_header)
    alice = auth_header("alice", email="alice@example.com")
    started = checkout(stack, alice, seats[:1])
    cancel(stack, auth_header, event_id)
    assert stack.pay(started["url"]).status_code == 303  # before the worker expired it
    settle(stack, events=1)
    order = stack.order(started["orderId"])
    assert (order.status, order.status_reason) == ("REFUNDED", "event_cancelled")
    assert order.refund_status == "succeeded"
    assert stack.tickets(started["orderId"]) == 0


def test_cancelling_expires_open_checkouts_at_the_gateway(stack, auth_header):
    event_id, seats = create_event(stack, auth_header)
    alice = auth_header("alice", email="alice@example.com")
    started = checkout(stack, alice, seats[:1])
    cancel(stack, auth_header, event_id)
    stack.drain()  # the cancellation job: the open session is expired, gateway first
    assert stack.pay(started["url"]).status_code != 303  # nothing left to pay
    order = stack.order(started["orderId"])
    assert (order.status, order.status_reason) == ("EXPIRED", "event_cancelled")
    assert stack.seats([uuid.UUID(seats[0])])[uuid.UUID(seats[0])] == ("AVAILABLE", None)


def test_a_payment_arriving_after_the_cancellation_is_refunded_not_fulfilled(stack, auth_header):
    event_id, seats = create_event(stack, auth_header)
    alice = auth_header("alice", email="alice@example.com")
    started = buy(stack, alice, seats[:1])  # paid, but the worker has not run yet
    stack.wait_for_webhooks(1)
    cancel(stack, auth_header, event_id)
    settle(stack, events=1)
    order = stack.order(started["orderId"])
    assert (order.status, order.status_reason) == ("REFUNDED", "event_cancelled")
    assert order.refund_id
    assert order.refund_status == "succeeded"
    assert stack.tickets(started["orderId"]) == 0
    assert len(emails_of(stack, "event_cancelled")) == 1


def test_a_payment_arriving_after_the_event_started_is_refunded(stack, auth_header):
    start = stack.clock() + timedelta(minutes=20)
    _, seats = create_event(stack, auth_header, date=start.isoformat())
    alice = auth_header("alice", email="alice@example.com")
    started = checkout(stack, alice, seats[:1])
    stack.clock.advance(minutes=25)  # the show began; the session is still open
    assert stack.pay(started["url"]).status_code == 303
    stack.wait_for_webhooks(1)
    stack.drain()
    order = stack.order(started["orderId"])
    assert (order.status, order.status_reason) == ("REFUNDED", "event_started")
    assert stack.tickets(started["orderId"]) == 0


def test_cancelling_an_event_refunds_sold_orders_voids_tickets_and_tells_buyers(stack, auth_header):
    event_id, seats = create_event(stack, auth_header)
    buyers = {}
    for n, seat in enumerate(seats):
        headers = auth_header(f"buyer{n}", email=f"buyer{n}@example.com")
        buyers[buy(stack, headers, [seat])["orderId"]] = headers
    settle(stack, events=len(seats))
    assert {stack.order(o).status for o in buyers} == {"COMPLETED"}
    with stack.db.reader() as session:
        codes = [t.code for t in session.query(Ticket).all()]

    cancel(stack, auth_header, event_id)
    cancel(stack, auth_header, event_id)  # twice: still one refund each
    settle(stack, events=len(seats))

    for order_id in buyers:
        order = stack.order(order_id)
        assert (order.status, order.status_reason, order.refund_status) == (
            "REFUNDED",
            "event_cancelled",
            "succeeded",
        )
    with stack.sandbox.store.transaction() as session:  # the sandbox keeps its refunds in tables
        intents = list(session.scalars(select(SandboxRefund.payment_intent)))
    assert len(set(intents)) == len(intents) == len(buyers)
    with stack.client(auth_header("door", Role.STAFF)) as client:
        for code in codes:
            scan = client.post("/api/v1/tickets/check-in", json={"code": code})
            assert (scan.status_code, scan.json()["error"]) == (409, "order_refunded")
    notices = emails_of(stack, "event_cancelled")
    assert sorted(parseaddr(str(m["To"]))[1] for m in notices) == sorted(
        f"buyer{n}@example.com" for n in range(len(seats))
    )


def test_a_fulfilment_that_can_never_succeed_is_refunded_with_an_alert(
    stack, auth_header, monkeypatch, caplog
):
    _, seats = create_event(stack, auth_header)
    alice = auth_header("alice", email="alice@example.com")

    def broken(*_args, **_kwargs):
        raise ValueError("this ticket cannot be rendered")

    monkeypatch.setattr("seatguard.booking.fulfilment.issue_tickets", broken)
    before = REGISTRY.get_sample_value(
        "seatguard_fulfilment_gave_up_total", {"reason": "fulfilment_failed"}
    )
    started = buy(stack, alice, seats[:1])
    with caplog.at_level(logging.ERROR):
        settle(stack, events=1, rounds=stack.services.settings.queue_max_attempts + 2)

    order = stack.order(started["orderId"])
    assert (order.status, order.status_reason) == ("REFUNDED", "fulfilment_failed")
    assert stack.queue.depth()["dead"] == 0  # given up cleanly, not dead-lettered
    after = REGISTRY.get_sample_value(
        "seatguard_fulfilment_gave_up_total", {"reason": "fulfilment_failed"}
    )
    assert (after or 0) - (before or 0) == 1
    assert any(
        r.levelno == logging.ERROR and started["orderId"] in r.getMessage() for r in caplog.records
    )
    [refund] = emails_of(stack, "refund")
    assert parseaddr(str(refund["To"]))[1] == "alice@example.com"
