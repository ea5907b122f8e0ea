"""The waiting list over HTTP with the sandbox gateway, on SQLite and PostgreSQL: joining,
leaving, offers on every path that frees a seat, lapses to the next in line, the back office."""

from __future__ import annotations

import email
import email.policy
import time
import uuid

import pytest
from sqlalchemy import select

from seatguard.admin.models import AuditEntry
from seatguard.booking.sweeper import sweep_once
from seatguard.common.security import Role
from seatguard.worker.handlers import sweep_steps
from tests.support.factories import make_event
from tests.support.payflow import live_stack

PRICE = 1500


@pytest.fixture
def stack(settings, db, clock, tmp_path):
    with live_stack(settings, db, clock, tmp_path / "outbox") as live:
        yield live


def sweep(stack) -> int:
    result = sweep_once(stack.db, stack.clock, sweep_steps(stack.services))
    stack.drain()
    return result.waitlist_offers


def offers_to(stack, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(stack.outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["X-SeatGuard-Kind"] == "waitlist_offer" and address in message["To"]:
            found.append(message)
    return found


def admin(auth_header):
    return auth_header("root", Role.ADMIN)


def user(auth_header, name: str):
    return auth_header(name, email=f"{name}@example.com")


def hold(stack, headers, seats) -> None:
    with stack.client(headers) as client:
        answer = client.post("/api/v1/seats/lock", json={"seatIds": [str(s) for s in seats]})
    assert answer.status_code == 200, answer.text


def buy(stack, headers, seats) -> str:
    with stack.client(headers) as client:
        started = client.post(
            "/api/v1/stripe/create/checkout/session",
            json={"items": [{"seatIds": [{"id": str(s)} for s in seats]}]},
        )
    assert started.status_code in (200, 201), started.text
    assert stack.pay(started.json()["url"]).status_code == 303
    return str(started.json()["orderId"])


def settle_payments(stack, order_id: str) -> None:
    for _ in range(200):
        stack.drain()
        if stack.order(order_id).status == "COMPLETED":
            return
        time.sleep(0.05)
    raise AssertionError(f"order {order_id} is {stack.order(order_id).status}")


def join(stack, headers, event_id, seats: int = 1, **kw):
    stack.clock.advance(seconds=1)  # the line is in order of joining
    with stack.client(headers) as client:
        return client.post(f"/api/v1/events/{event_id}/waiting-list", json={"seats": seats}, **kw)


def place(stack, headers, event_id) -> dict:
    with stack.client(headers) as client:
        answer = client.get(f"/api/v1/events/{event_id}/waiting-list")
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def sold_out(stack, auth_header, clock, db):
    """A two-seat event whose seats Bob holds; (event id, seat ids)."""
    event_id, seats = make_event(db, now=clock(), seats=2, price_minor=PRICE)
    hold(stack, user(auth_header, "bob"), seats)
    return event_id, seats


def test_join_needs_a_sold_out_event_and_one_entry_per_buyer(stack, auth_header, clock, db):
    event_id, seats = make_event(db, now=clock(), seats=2, price_minor=PRICE)
    alice = user(auth_header, "alice")
    early = join(stack, alice, event_id)
    assert (early.status_code, early.json()["error"]) == (409, "event_not_sold_out")
    assert place(stack, alice, event_id) == {
        "eventId": str(event_id),
        "soldOut": False,
        "maxSeats": 8,
        "entry": None,
    }
    hold(stack, user(auth_header, "bob"), seats)
    too_many = join(stack, alice, event_id, seats=9)
    assert (too_many.status_code, too_many.json()["error"]) == (422, "seats_wanted_out_of_range")
    first = join(stack, alice, event_id, seats=2)
    assert first.status_code == 201, first.text
    assert first.json()["entry"]["state"] == "WAITING"
    assert first.json()["entry"]["position"] == 1
    again = join(stack, alice, event_id)
    assert (again.status_code, again.json()["error"]) == (409, "already_waiting")
    carol = join(stack, user(auth_header, "carol"), event_id)
    assert carol.json()["entry"]["position"] == 2
    with stack.client() as client:
        anonymous = client.post(f"/api/v1/events/{event_id}/waiting-list", json={"seats": 1})
    assert anonymous.status_code == 401
    with stack.client(alice) as client:
        unknown = client.post(f"/api/v1/events/{uuid.uuid4()}/waiting-list", json={"seats": 1})
        bad = client.post(f"/api/v1/events/{event_id}/waiting-list", json={"seats": 0})
        left = client.delete(f"/api/v1/events/{event_id}/waiting-list")
        left_again = client.delete(f"/api/v1/events/{event_id}/waiting-list")
    assert unknown.status_code == 404
    assert bad.status_code == 422
    assert left.status_code == 200
    assert left.json()["entry"] is None
    assert (left_again.status_code, left_again.json()["error"]) == (404, "not_waiting")
    assert place(stack, user(auth_header, "carol"), event_id)["entry"]["position"] == 1
    assert join(stack, alice, event_id).status_code == 201  # back in line, at the end
    assert place(stack, alice, event_id)["entry"]["position"] == 2


def offered_seats(stack, seats, name):
    return [s for s, (status, holder) in stack.seats(seats).items() if holder == name]


def test_an_expired_hold_goes_to_the_first_in_line_with_one_email(stack, sold_out, auth_header):
    event_id, seats = sold_out
    assert join(stack, user(auth_header, "alice"), event_id).status_code == 201
    assert join(stack, user(auth_header, "carol"), event_id).status_code == 201
    assert sweep(stack) == 0  # nothing free yet
    stack.clock.advance(minutes=16)  # Bob's hold runs out
    assert sweep(stack) == 2  # one seat each, in line order
    assert sorted(offered_seats(stack, seats, "alice") + offered_seats(stack, seats, "carol")) == (
        sorted(seats)
    )
    mine = place(stack, user(auth_header, "alice"), event_id)["entry"]
    assert mine["state"] == "OFFERED"
    assert mine["offeredUntil"] is not None
    assert sweep(stack) == 0  # offered once
    stack.drain()
    [mail] = offers_to(stack, "alice@example.com")
    plain = mail.get_body(("plain",))
    assert plain is not None
    assert f"/events/{event_id}" in plain.get_content()
    assert len(offers_to(stack, "carol@example.com")) == 1
    # the held seats are Alice's: nobody else may take them
    with stack.client(user(auth_header, "mallory")) as client:
        taken = client.post("/api/v1/seats/lock", json={"seatIds": [str(seats[0])]})
    assert taken.status_code == 409


def test_a_lapsed_offer_goes_to_the_next_in_line(stack, sold_out, auth_header):
    event_id, seats = sold_out
    join(stack, user(auth_header, "alice"), event_id, seats=2)
    join(stack, user(auth_header, "carol"), event_id, seats=2)
    stack.clock.advance(minutes=16)
    assert sweep(stack) == 1
    assert sorted(offered_seats(stack, seats, "alice")) == sorted(seats)
    stack.clock.advance(minutes=29)
    assert sweep(stack) == 0  # still Alice's
    stack.clock.advance(minutes=2)
    assert sweep(stack) == 1
    assert sorted(offered_seats(stack, seats, "carol")) == sorted(seats)
    with stack.client(admin(auth_header)) as client:
        listed = client.get(f"/api/v1/admin/events/{event_id}/waiting-list").json()
    assert [(e["userId"], e["state"]) for e in listed] == [
        ("alice", "LAPSED"),
        ("carol", "OFFERED"),
    ]
    stack.clock.advance(minutes=31)
    assert sweep(stack) == 0  # nobody left in line: back to general sale
    with stack.client() as client:
        statuses = {s["status"] for s in client.get(f"/api/v1/events/{event_id}/seats").json()}
    assert statuses == {"AVAILABLE"}


def test_the_offer_is_bought_and_the_entry_converted(stack, sold_out, auth_header):
    event_id, seats = sold_out
    alice = user(auth_header, "alice")
    join(stack, alice, event_id)
    stack.clock.advance(minutes=16)
    sweep(stack)
    [seat] = offered_seats(stack, seats, "alice")
    order_id = buy(stack, alice, [seat])
    settle_payments(stack, order_id)
    sweep(stack)
    with stack.client(admin(auth_header)) as client:
        [entry] = client.get(f"/api/v1/admin/events/{event_id}/waiting-list").json()
    assert entry["state"] == "CONVERTED"


def paid_event(stack, auth_header, db, clock, seats: int = 2):
    """Bob bought every seat of an event; (event id, seat ids, order id)."""
    event_id, seat_ids = make_event(db, now=clock(), seats=seats, price_minor=PRICE)
    order_id = buy(stack, user(auth_header, "bob"), seat_ids)
    settle_payments(stack, order_id)
    return event_id, seat_ids, order_id


@pytest.mark.parametrize("path", ["whole_refund", "partial_refund"])
def test_seats_freed_by_the_back_office_are_offered(stack, auth_header, db, clock, path):
    event_id, seats, order_id = paid_event(stack, auth_header, db, clock)
    join(stack, user(auth_header, "alice"), event_id)
    with stack.client(admin(auth_header)) as client:
        if path == "whole_refund":
            answer = client.post(f"/api/v1/booking-orders/{order_id}/refund")
        else:
            answer = client.post(
                f"/api/v1/booking-orders/{order_id}/refund", json={"seatIds": [str(seats[1])]}
            )
    assert answer.status_code == 200, answer.text
    stack.drain()
    assert sweep(stack) == 1
    assert len(offered_seats(stack, seats, "alice")) == 1
    assert len(offers_to(stack, "alice@example.com")) == 1


@pytest.mark.parametrize("status", ["SOLD", "LOCKED"])
def test_a_seat_the_organizer_sets_available_is_offered(stack, auth_header, db, clock, status):
    event_id, seats = make_event(db, now=clock(), seats=2, price_minor=PRICE)
    with stack.client(admin(auth_header)) as client:
        if status == "SOLD":  # seats kept off sale by hand
            for seat in seats:
                assert client.patch(f"/api/v1/seats/{seat}", json={"status": "SOLD"}).is_success
        else:
            hold(stack, user(auth_header, "bob"), seats)
        join(stack, user(auth_header, "alice"), event_id)
        assert sweep(stack) == 0
        answer = client.patch(f"/api/v1/seats/{seats[0]}", json={"status": "AVAILABLE"})
    assert answer.status_code == 200, answer.text
    assert sweep(stack) == 1
    assert offered_seats(stack, seats, "alice") == [seats[0]]


@pytest.mark.parametrize("path", ["cancelled", "expired"])
def test_seats_of_an_unpaid_order_are_offered_when_it_ends(stack, auth_header, db, clock, path):
    event_id, seats = make_event(db, now=clock(), seats=2, price_minor=PRICE)
    bob = user(auth_header, "bob")
    with stack.client(bob) as client:
        started = client.post(
            "/api/v1/stripe/create/checkout/session",
            json={"items": [{"seatIds": [{"id": str(s)} for s in seats]}]},
        ).json()
    join(stack, user(auth_header, "alice"), event_id, seats=2)
    if path == "cancelled":
        with stack.client(bob) as client:
            assert client.post(f"/api/v1/booking-orders/{started['orderId']}/cancel").is_success
    else:
        stack.clock.advance(minutes=40)  # the checkout's time is up
    assert sweep(stack) == 1
    assert sorted(offered_seats(stack, seats, "alice")) == sorted(seats)


def test_the_organizer_lists_and_removes_entries_audited(stack, sold_out, auth_header):
    event_id, seats = sold_out
    join(stack, user(auth_header, "alice"), event_id)
    join(stack, user(auth_header, "carol"), event_id, seats=2)
    stack.clock.advance(minutes=16)
    sweep(stack)  # Alice gets one seat; Carol's two do not fit in the one left
    with stack.client(admin(auth_header)) as client:
        listed = client.get(f"/api/v1/admin/events/{event_id}/waiting-list").json()
        assert [(e["userId"], e["state"], e["position"], e["seatsWanted"]) for e in listed] == [
            ("alice", "OFFERED", None, 1),
            ("carol", "WAITING", 1, 2),
        ]
        removed = client.delete(f"/api/v1/admin/waiting-list/{listed[0]['id']}")
        twice = client.delete(f"/api/v1/admin/waiting-list/{listed[0]['id']}")
        missing = client.delete(f"/api/v1/admin/waiting-list/{uuid.uuid4()}")
    assert removed.status_code == 200
    assert removed.json()["state"] == "REMOVED"
    assert (twice.status_code, twice.json()["error"]) == (409, "waitlist_entry_closed")
    assert missing.status_code == 404
    assert offered_seats(stack, seats, "alice") == []  # the offered seat went back at once
    assert sweep(stack) == 1  # and Carol's two now fit
    assert sorted(offered_seats(stack, seats, "carol")) == sorted(seats)
    with stack.db.reader() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "waitlist.entry_removed")
        ).one()
    assert (entry.actor_id, entry.target_id) == ("root", listed[0]["id"])


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF])
def test_customers_and_staff_get_403_on_the_organizer_s_routes(stack, sold_out, auth_header, role):
    event_id, _ = sold_out
    join(stack, user(auth_header, "alice"), event_id)
    with stack.client(admin(auth_header)) as client:
        [entry] = client.get(f"/api/v1/admin/events/{event_id}/waiting-list").json()
    with stack.client(auth_header("someone", role)) as client:
        listed = client.get(f"/api/v1/admin/events/{event_id}/waiting-list")
        removed = client.delete(f"/api/v1/admin/waiting-list/{entry['id']}")
    assert (listed.status_code, removed.status_code) == (403, 403)
    assert place(stack, user(auth_header, "alice"), event_id)["entry"]["state"] == "WAITING"


def test_the_offer_email_speaks_the_buyer_s_language(stack, sold_out, auth_header):
    event_id, _ = sold_out
    join(stack, {**user(auth_header, "alice"), "Accept-Language": "es"}, event_id)
    stack.clock.advance(minutes=16)
    sweep(stack)
    [mail] = offers_to(stack, "alice@example.com")
    assert mail["Content-Language"] == "es"
    assert "Butacas reservadas para vos" in mail["Subject"]


def test_an_event_that_does_not_sell_now_keeps_its_line_waiting(
    stack, sold_out, auth_header, db, clock
):
    """The sales rule holds for the line too: while sales are closed nobody joins and no
    freed seat is offered; reopened, the first in line gets it."""
    event_id, _seats = sold_out
    alice = user(auth_header, "alice")
    assert join(stack, alice, event_id).status_code == 201
    with stack.client(admin(auth_header)) as client:
        assert client.post(f"/api/v1/events/{event_id}/close-sales").status_code == 200
    refused = join(stack, user(auth_header, "carol"), event_id)
    assert refused.status_code == 409
    assert refused.json()["error"] == "sales_closed"
    stack.clock.advance(minutes=16)  # Bob's hold runs out: a seat is free
    assert sweep(stack) == 0
    assert place(stack, alice, event_id)["entry"]["state"] == "WAITING"
    with stack.client(admin(auth_header)) as client:
        assert client.post(f"/api/v1/events/{event_id}/reopen-sales").status_code == 200
    assert sweep(stack) >= 1
    assert place(stack, alice, event_id)["entry"]["state"] == "OFFERED"
