"""One buyer can never read, download, release, buy or scan what belongs to another.

A real paid order (checkout → sandbox page → signed webhook → worker) belongs to alice; mallory,
a customer with a valid token of her own, tries every route that names alice's objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from seatguard.common.security import Role
from tests.support.factories import make_event
from tests.support.payflow import Stack, live_stack


@dataclass
class Bought:
    stack: Stack
    order_id: str
    sold_seat: str
    held_seat: str
    ticket_code: str
    alice: dict[str, str]


@pytest.fixture
def bought(settings, db, clock, tmp_path, auth_header):
    _, seats = make_event(db, now=clock())
    alice = auth_header("alice", email="alice@example.com")
    with live_stack(settings, db, clock, tmp_path / "outbox") as stack, stack.client(alice) as c:
        started = c.post(
            "/api/v1/stripe/create/checkout/session",
            json={"currency": "usd", "items": [{"seatIds": [{"id": str(seats[0])}]}]},
        )
        assert started.status_code == 201, started.text
        body = started.json()
        assert stack.pay(body["url"]).status_code == 303
        stack.wait_for_webhooks(1)
        stack.drain()
        assert stack.order(body["orderId"]).status == "COMPLETED"
        assert c.post("/api/v1/seats/lock", json={"seatIds": [str(seats[1])]}).status_code == 200
        tickets = c.get(f"/api/v1/tickets/{body['orderId']}").json()
        yield Bought(
            stack=stack,
            order_id=body["orderId"],
            sold_seat=str(seats[0]),
            held_seat=str(seats[1]),
            ticket_code=tickets[0]["code"],
            alice=alice,
        )


def test_another_customer_cannot_read_or_download_the_order(bought, auth_header):
    oid = bought.order_id
    with bought.stack.client(auth_header("mallory")) as c:
        for path in (
            f"/api/v1/booking-orders/{oid}",
            f"/api/v1/checkouts/{oid}",
            f"/api/v1/tickets/{oid}",
            f"/api/v1/tickets/{oid}/download",
        ):
            answer = c.get(path)
            assert answer.status_code in (403, 404), (path, answer.status_code)
            assert oid not in answer.text or answer.json()["error"], path
            assert "alice@example.com" not in answer.text, path
        cancel = c.post(f"/api/v1/booking-orders/{oid}/cancel")
        assert cancel.status_code in (403, 404)
        assert "alice@example.com" not in cancel.text
        assert c.get("/api/v1/booking-orders/user/alice").status_code == 403
        mine = c.get("/api/v1/booking-orders")
        assert mine.status_code == 200
        assert mine.json() == []
        assert c.get("/api/v1/tickets").json() == []
        # X-Internal-Secret, which old clients send, grants nothing.
        sneaky = c.get(f"/api/v1/booking-orders/{oid}", headers={"X-Internal-Secret": "x"})
        assert sneaky.status_code in (403, 404)


def test_another_customer_cannot_release_buy_or_take_held_seats(bought, auth_header):
    with bought.stack.client(auth_header("mallory")) as c:
        release = c.delete(f"/api/v1/seats/lock/{bought.held_seat}")
        assert release.status_code == 403
        assert release.json()["error"] == "not_your_hold"
        for seat in (bought.held_seat, bought.sold_seat):
            take = c.post("/api/v1/seats/lock", json={"seatIds": [seat]})
            assert take.status_code == 409
            buy = c.post(
                "/api/v1/stripe/create/checkout/session",
                json={"currency": "usd", "items": [{"seatIds": [{"id": seat}]}]},
            )
            assert buy.status_code == 409
        as_alice = c.post(
            "/api/v1/stripe/create/checkout/session",
            json={"userId": "alice", "items": [{"seatIds": [{"id": bought.held_seat}]}]},
        )
        assert as_alice.status_code == 403
        assert c.post(f"/api/v1/seats/lock/{bought.held_seat}/uid/alice").status_code == 403
    with bought.stack.client(bought.alice) as c:
        seat = c.get(f"/api/v1/seats/{bought.held_seat}").json()
        assert seat["status"] == "LOCKED"


def test_customers_cannot_check_in_or_use_admin_routes(bought, auth_header, clock):
    customer = auth_header("mallory")
    with bought.stack.client(customer) as c:
        scan = c.post("/api/v1/tickets/check-in", json={"code": bought.ticket_code})
        assert scan.status_code == 403
        attempts = [
            c.post("/api/v1/events", json={"name": "x"}),
            c.patch(f"/api/v1/seats/{bought.sold_seat}", json={"status": "AVAILABLE"}),
            c.get("/api/v1/booking-orders/user/alice"),
        ]
        assert [a.status_code for a in attempts] == [403, 403, 403]
        events = c.get("/api/v1/events").json()
        event_id = events[0]["id"]
        assert c.delete(f"/api/v1/events/{event_id}").status_code == 403
        assert c.patch(f"/api/v1/events/{event_id}", json={"name": "mine"}).status_code == 403
    # Alice's own token does not make her staff either.
    with bought.stack.client(bought.alice) as c:
        own = c.post("/api/v1/tickets/check-in", json={"code": bought.ticket_code})
        assert own.status_code == 403
    # Staff may scan, once.
    with bought.stack.client(auth_header("door", role=Role.STAFF)) as c:
        assert c.post(
            "/api/v1/tickets/check-in", json={"code": bought.ticket_code}
        ).status_code == (200)
        again = c.post("/api/v1/tickets/check-in", json={"code": bought.ticket_code})
        assert again.status_code == 409
    with bought.stack.client(auth_header("root", role=Role.ADMIN)) as c:
        assert c.get(f"/api/v1/booking-orders/{bought.order_id}").status_code == 200
