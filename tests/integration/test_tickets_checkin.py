"""Door check-in against real databases: one admission per ticket, whatever the concurrency."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update

from seatguard.booking.models import Order, Ticket
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.errors import AppError, Conflict, NotFound
from seatguard.tickets.codes import ForgedCode, MalformedCode, sign_ticket
from seatguard.tickets.issue import issue_tickets
from seatguard.tickets.service import CheckInResult, check_in
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()


def scan(db: Database, clock: FrozenClock, code: str, **kw: Any) -> CheckInResult:
    with db.unit_of_work() as session:
        return check_in(session, code=code, public_key=PUBLIC, now=clock(), **kw)


def test_first_scan_admits_with_seat_and_holder(db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    ticket_id = paid.ticket_ids[0]
    result = scan(db, clock, paid.codes[ticket_id])
    assert result.ticket_id == ticket_id
    assert result.order_id == paid.order_id
    assert (result.section, result.row, result.number) == ("GENERAL", "G", "1")
    assert result.holder_name == "Ana Peña"
    assert result.event_name == "Noche Electrónica"
    assert result.checked_in_at == clock()
    with db.reader() as session:
        assert session.get(Ticket, ticket_id).checked_in_at == clock()


def test_second_scan_is_refused_with_the_first_time(db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    code = paid.codes[paid.ticket_ids[0]]
    first_at = clock()
    scan(db, clock, code)
    clock.advance(minutes=5)
    with pytest.raises(Conflict) as err:
        scan(db, clock, code)
    assert err.value.code == "already_checked_in"
    assert err.value.details == {"checkedInAt": first_at.isoformat()}


def test_forged_and_malformed_codes_never_touch_a_ticket(db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    ticket_id = paid.ticket_ids[0]
    forged = sign_ticket(
        ticket_id=ticket_id,
        event_id=paid.event_id,
        seat_label="GENERAL G1",
        private_key=Ed25519PrivateKey.generate(),
    )
    with pytest.raises(ForgedCode):
        scan(db, clock, forged)
    with pytest.raises(MalformedCode):
        scan(db, clock, "not-a-ticket")
    with db.reader() as session:
        assert session.get(Ticket, ticket_id).checked_in_at is None


def test_refunded_order_is_refused(db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    with db.unit_of_work() as session:
        session.execute(update(Order).where(Order.id == paid.order_id).values(status="REFUNDED"))
    with pytest.raises(Conflict) as err:
        scan(db, clock, paid.codes[paid.ticket_ids[0]])
    assert err.value.code == "order_refunded"
    with db.reader() as session:
        assert session.get(Ticket, paid.ticket_ids[0]).checked_in_at is None


def test_genuine_code_for_an_unknown_ticket_is_404(db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    code = sign_ticket(
        ticket_id=uuid.uuid4(), event_id=paid.event_id, seat_label="GENERAL G9", private_key=KEY
    )
    with pytest.raises(NotFound) as err:
        scan(db, clock, code)
    assert err.value.code == "unknown_ticket"


def test_door_for_another_event_refuses(db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    with pytest.raises(Conflict) as err:
        scan(db, clock, paid.codes[paid.ticket_ids[0]], event_id=uuid.uuid4())
    assert err.value.code == "wrong_event"
    assert scan(db, clock, paid.codes[paid.ticket_ids[0]], event_id=paid.event_id)


def test_concurrent_scans_of_one_ticket_admit_exactly_one(db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    code = paid.codes[paid.ticket_ids[0]]
    scanners = 8
    barrier = threading.Barrier(scanners)
    outcomes: list[str] = []
    lock = threading.Lock()

    def door() -> None:
        barrier.wait()
        try:
            scan(db, clock, code)
            outcome = "admitted"
        except AppError as exc:
            outcome = exc.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=door) for _ in range(scanners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["admitted"] + ["already_checked_in"] * (scanners - 1)


def test_issuing_again_adds_no_second_ticket_per_seat(db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=3)
    with db.unit_of_work() as session:
        again = issue_tickets(
            session, order_id=paid.order_id, private_key=KEY, now=clock() + timedelta(hours=1)
        )
    assert sorted(again) == sorted(paid.ticket_ids)
    with db.reader() as session:
        seats = session.scalars(select(Ticket.seat_id).where(Ticket.order_id == paid.order_id))
        assert sorted(seats) == sorted(paid.seat_ids)
