"""The door board: admissions per 10 minutes and by section, the last scans, what remains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update

from seatguard.admin.door import slot_start
from seatguard.booking.models import Order, Seat, Ticket
from seatguard.common.security import Role
from seatguard.tickets.keys import private_key_pem
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()
CHECK_IN = "/api/v1/tickets/check-in"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"ticket_signing_key": private_key_pem(KEY)})


def test_slots_are_ten_minutes_of_utc():
    at = datetime(2031, 3, 15, 20, 19, 59, tzinfo=UTC)
    assert slot_start(at) == datetime(2031, 3, 15, 20, 10, tzinfo=UTC)
    assert slot_start(datetime(2031, 3, 15, 20, 20, tzinfo=UTC)) == datetime(
        2031, 3, 15, 20, 20, tzinfo=UTC
    )


def test_the_board_counts_check_ins_by_slot_section_and_lists_the_last(
    app_client, db, clock, auth_header
):
    staff, admin = auth_header("door-1", role=Role.STAFF), auth_header("boss", role=Role.ADMIN)
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=4)
    with db.unit_of_work() as session:  # two sections: the first two seats in "Platea"
        session.execute(update(Seat).where(Seat.id.in_(paid.seat_ids[:2])).values(section="Platea"))
    tickets = list(paid.codes.items())
    admitted = []
    for minutes, (ticket_id, code) in zip((0, 4, 12), tickets[:3], strict=True):
        clock.advance(minutes=minutes)
        answer = app_client.post(
            CHECK_IN, json={"code": code, "eventId": str(paid.event_id)}, headers=staff
        )
        assert answer.status_code == 200, answer.text
        admitted.append((ticket_id, clock()))
    board = app_client.get(f"/api/v1/admin/events/{paid.event_id}/door", headers=admin)
    assert board.status_code == 200, board.text
    body = board.json()
    assert (body["tickets"], body["admitted"], body["remaining"]) == (4, 3, 1)
    expected_slots: dict[datetime, int] = {}
    for _, at in admitted:
        expected_slots[slot_start(at)] = expected_slots.get(slot_start(at), 0) + 1
    assert {datetime.fromisoformat(s["start"]): s["admitted"] for s in body["bySlot"]} == (
        expected_slots
    )
    assert sum(s["admitted"] for s in body["bySlot"]) == 3
    with db.reader() as session:
        sections = dict(
            session.execute(
                select(Ticket.id, Seat.section).join(Seat, Seat.id == Ticket.seat_id)
            ).all()
        )
    expected_sections: dict[str, list[int]] = {}
    for ticket_id, _ in tickets:
        expected_sections.setdefault(sections[ticket_id], [0, 0])[0] += 1
    for ticket_id, _ in admitted:
        expected_sections[sections[ticket_id]][1] += 1
    assert {s["section"]: [s["tickets"], s["admitted"]] for s in body["bySection"]} == (
        expected_sections
    )
    assert [s["ticketId"] for s in body["lastScans"]] == [str(t) for t, _ in reversed(admitted)]
    assert {s["name"] for s in body["lastScans"]} == {"Ana Peña"}
    assert all(s["row"] and s["number"] for s in body["lastScans"])


def test_refunded_tickets_count_nowhere_and_at_most_20_scans_are_listed(
    app_client, db, clock, auth_header
):
    admin = auth_header("boss", role=Role.ADMIN)
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=22)
    with db.unit_of_work() as session:
        for i, ticket_id in enumerate(paid.ticket_ids):
            session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id)
                .values(checked_in_at=clock() + timedelta(seconds=i))
            )
    board = app_client.get(f"/api/v1/admin/events/{paid.event_id}/door", headers=admin).json()
    assert (board["tickets"], board["admitted"], board["remaining"]) == (22, 22, 0)
    assert len(board["lastScans"]) == 20
    times = [s["at"] for s in board["lastScans"]]
    assert times == sorted(times, reverse=True)
    with db.unit_of_work() as session:
        session.execute(update(Order).where(Order.id == paid.order_id).values(status="REFUNDED"))
    void = app_client.get(f"/api/v1/admin/events/{paid.event_id}/door", headers=admin).json()
    assert (void["tickets"], void["admitted"], void["remaining"]) == (0, 0, 0)
    assert void["bySlot"] == []
    assert void["bySection"] == []
    assert void["lastScans"] == []


def test_an_unknown_event_is_404(app_client, auth_header):
    admin = auth_header("boss", role=Role.ADMIN)
    answer = app_client.get(
        "/api/v1/admin/events/00000000-0000-0000-0000-000000000000/door", headers=admin
    )
    assert answer.status_code == 404
