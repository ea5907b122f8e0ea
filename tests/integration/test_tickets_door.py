"""The door over HTTP: short codes, offline scans synced later, the running count."""

from __future__ import annotations

import io
import re
import threading
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from sqlalchemy import select, update

from seatguard.booking.models import Order, Ticket
from seatguard.common.security import Role
from seatguard.notify.backends import SmtpBackend
from seatguard.notify.service import send_order_email
from seatguard.tickets.codes import sign_ticket
from seatguard.tickets.door import OfflineScan, sync_scans
from seatguard.tickets.keys import private_key_pem
from seatguard.tickets.short_codes import format_short_code
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()
CHECK_IN = "/api/v1/tickets/check-in"
SYNC = "/api/v1/tickets/check-in/sync"
COUNT = "/api/v1/tickets/check-in/count"
PRINTED = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"ticket_signing_key": private_key_pem(KEY)})


@pytest.fixture
def staff(auth_header):
    return auth_header("door-1", role=Role.STAFF)


def short_codes(db, order_id):
    with db.reader() as session:
        rows = session.execute(
            select(Ticket.id, Ticket.short_code).where(Ticket.order_id == order_id)
        )
        return {r.id: r.short_code for r in rows}


def mangle(canonical: str) -> str:
    """What a person might type: lower case, spaces, O for 0 and l for 1."""
    printed = format_short_code(canonical).lower().replace("-", " - ")
    return printed.replace("0", "O").replace("1", "l")


def test_tickets_show_a_printed_short_code_also_in_the_pdf(app_client, db, clock, auth_header):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2)
    stored = short_codes(db, paid.order_id)
    listed = app_client.get("/api/v1/tickets", headers=auth_header("alice")).json()
    assert {t["shortCode"] for t in listed} == {format_short_code(c) for c in stored.values()}
    assert all(PRINTED.match(t["shortCode"]) for t in listed)
    pdf = app_client.get(f"/api/v1/tickets/{paid.order_id}/download", headers=auth_header("alice"))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages]
    by_ticket = {t["id"]: t["shortCode"] for t in listed}
    for page in pages:  # each page prints its own ticket's short code, and only that one
        printed = [code for code in by_ticket.values() if code in page]
        assert len(printed) == 1


def test_short_code_admits_once_however_it_is_typed(app_client, db, clock, staff):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    ticket_id = paid.ticket_ids[0]
    typed = mangle(short_codes(db, paid.order_id)[ticket_id])
    first = app_client.post(
        CHECK_IN, json={"code": typed, "eventId": str(paid.event_id)}, headers=staff
    )
    assert first.status_code == 200, first.text
    assert first.json()["ticketId"] == str(ticket_id)
    assert first.json()["holderName"] == "Ana Peña"
    again = app_client.post(CHECK_IN, json={"code": typed}, headers=staff)
    assert (again.status_code, again.json()["error"]) == (409, "already_checked_in")
    signed = app_client.post(CHECK_IN, json={"code": paid.codes[ticket_id]}, headers=staff)
    assert (signed.status_code, signed.json()["error"]) == (409, "already_checked_in")


def test_short_code_is_still_verified(app_client, db, clock, staff):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2)
    codes = short_codes(db, paid.order_id)
    first, second = (codes[t] for t in paid.ticket_ids)
    other_event = str(uuid.uuid4())
    wrong = app_client.post(CHECK_IN, json={"code": first, "eventId": other_event}, headers=staff)
    assert (wrong.status_code, wrong.json()["error"]) == (409, "wrong_event")
    with db.unit_of_work() as session:
        session.execute(update(Order).where(Order.id == paid.order_id).values(status="REFUNDED"))
    void = app_client.post(CHECK_IN, json={"code": second}, headers=staff)
    assert (void.status_code, void.json()["error"]) == (409, "order_refunded")
    unknown = app_client.post(CHECK_IN, json={"code": "ZZZZ-ZZZZ-ZZZZ"}, headers=staff)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_short_code")
    for malformed in (
        "hello",
        "K7QM-4XPD-9T",
        "K7QM-4XPD-9TRBX",
        "K7QM-4XPD-9TR!",
        "ÜÜÜÜ-ÜÜÜÜ-ÜÜÜÜ",
    ):
        response = app_client.post(CHECK_IN, json={"code": malformed}, headers=staff)
        assert (response.status_code, response.json()["error"]) == (422, "malformed_short_code")
    customer = app_client.post(CHECK_IN, json={"code": first}, headers={})
    assert customer.status_code == 401
    with db.reader() as session:
        assert session.scalars(select(Ticket.checked_in_at)).all() == [None, None]


def test_short_code_guessing_is_throttled_per_staff_user(app_client, db, clock, staff, auth_header):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2)
    real = list(short_codes(db, paid.order_id).values())
    for _ in range(10):  # typos of the shape are not guesses
        assert app_client.post(CHECK_IN, json={"code": "K7QM"}, headers=staff).status_code == 422
    for n in range(5):  # the burst
        guess = app_client.post(CHECK_IN, json={"code": f"ZZZZZZZZZZZ{n}"}, headers=staff)
        assert guess.status_code == 404
    throttled = app_client.post(CHECK_IN, json={"code": "ZZZZZZZZZZZ9"}, headers=staff)
    assert (throttled.status_code, throttled.json()["error"]) == (
        429,
        "too_many_short_code_failures",
    )
    assert int(throttled.headers["Retry-After"]) >= 1
    blocked = app_client.post(CHECK_IN, json={"code": real[0]}, headers=staff)
    assert blocked.status_code == 429  # no lookup at all while throttled
    signed = app_client.post(CHECK_IN, json={"code": paid.codes[paid.ticket_ids[1]]}, headers=staff)
    assert signed.status_code == 200  # signed codes cannot be guessed and are not throttled
    other = auth_header("door-2", role=Role.STAFF)
    assert (
        app_client.post(CHECK_IN, json={"code": "ZZZZZZZZZZZZ"}, headers=other).status_code == 404
    )
    clock.advance(seconds=1)
    assert app_client.post(CHECK_IN, json={"code": real[0]}, headers=staff).status_code == 200
    for n in range(2):  # one second refilled one failure, no more
        guess = app_client.post(CHECK_IN, json={"code": f"YYYYYYYYYYY{n}"}, headers=staff)
        assert guess.status_code == (404 if n == 0 else 429)


def test_sync_first_scan_wins_and_duplicates_come_back(app_client, db, clock, staff):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=3)
    a, b, c = (paid.codes[t] for t in paid.ticket_ids)
    online = app_client.post(CHECK_IN, json={"code": c}, headers=staff)  # admitted now
    assert online.status_code == 200
    t0 = clock() - timedelta(minutes=10)
    scans = [
        {"code": a, "scannedAt": (t0 + timedelta(minutes=2)).isoformat()},  # later scan of a
        {"code": a, "scannedAt": t0.isoformat()},  # first scan of a: wins
        {"code": b, "scannedAt": (t0 + timedelta(minutes=1)).isoformat()},
        {"code": c, "scannedAt": (t0 + timedelta(minutes=3)).isoformat()},  # before online
    ]
    response = app_client.post(
        SYNC, json={"eventId": str(paid.event_id), "scans": scans}, headers=staff
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["code"] for r in results] == [s["code"] for s in scans]
    assert [r["status"] for r in results] == ["DUPLICATE", "CHECKED_IN", "CHECKED_IN", "CHECKED_IN"]
    assert results[0]["checkedInAt"] == results[1]["checkedInAt"]
    assert results[3]["displacedAt"] is not None  # the online admission was a second entry
    with db.reader() as session:
        on_record = {
            r.id: r.checked_in_at for r in session.execute(select(Ticket.id, Ticket.checked_in_at))
        }
    assert on_record[paid.ticket_ids[0]] == t0
    assert on_record[paid.ticket_ids[2]] == t0 + timedelta(minutes=3)
    again = app_client.post(SYNC, json={"scans": scans}, headers=staff).json()["results"]
    assert [r["status"] for r in again] == ["DUPLICATE"] * 4  # syncing twice changes nothing


def test_sync_refuses_bad_scans_one_by_one(app_client, db, clock, staff):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2)
    other = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    forged = sign_ticket(
        ticket_id=paid.ticket_ids[0],
        event_id=paid.event_id,
        seat_label="GENERAL G1",
        private_key=Ed25519PrivateKey.generate(),
    )
    future = (clock() + timedelta(hours=2)).isoformat()
    scans = [
        {"code": forged, "scannedAt": clock().isoformat()},
        {"code": "not a ticket", "scannedAt": clock().isoformat()},
        {"code": other.codes[other.ticket_ids[0]], "scannedAt": clock().isoformat()},
        {"code": paid.codes[paid.ticket_ids[1]], "scannedAt": future},
    ]
    body = {"eventId": str(paid.event_id), "scans": scans}
    results = app_client.post(SYNC, json=body, headers=staff).json()["results"]
    assert [(r["status"], r["error"]) for r in results] == [
        ("REFUSED", "forged_code"),
        ("REFUSED", "malformed_code"),
        ("REFUSED", "wrong_event"),
        ("CHECKED_IN", None),
    ]
    assert results[3]["checkedInAt"].startswith(clock().isoformat()[:19])  # not in the future
    naive = [{"code": paid.codes[paid.ticket_ids[0]], "scannedAt": "2030-01-01T20:00:00"}]
    ancient = [{"code": "x", "scannedAt": "0001-01-01T00:00:00+01:00"}]
    bodies: list[dict[str, object]] = [
        {"scans": []},
        {"scans": naive},
        {"scans": ancient},
        {"scans": [{"code": "x"}]},
    ]
    for bad in bodies:
        assert app_client.post(SYNC, json=bad, headers=staff).status_code == 422
    scan = [{"code": paid.codes[paid.ticket_ids[0]], "scannedAt": clock().isoformat()}]
    customer = app_client.post(SYNC, json={"scans": scan}, headers={"Authorization": ""})
    assert customer.status_code == 401
    with db.reader() as session:
        assert session.get(Ticket, paid.ticket_ids[0]).checked_in_at is None


def test_count_is_staff_only_and_runs_with_the_door(app_client, db, clock, staff, auth_header):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=3)
    refunded = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    with db.unit_of_work() as session:
        session.execute(
            update(Order).where(Order.id == refunded.order_id).values(event_id=paid.event_id)
        )
        session.execute(
            update(Order).where(Order.id == refunded.order_id).values(status="REFUNDED")
        )
    query = {"eventId": str(paid.event_id)}
    assert app_client.get(COUNT, params=query, headers=auth_header("alice")).status_code == 403
    assert app_client.get(COUNT, params=query).status_code == 401
    missing = app_client.get(COUNT, params={"eventId": str(uuid.uuid4())}, headers=staff)
    assert (missing.status_code, missing.json()["error"]) == (404, "event_not_found")
    assert app_client.get(COUNT, params={"eventId": "nope"}, headers=staff).status_code == 422
    seen = []
    for code in [None, *paid.codes.values()]:
        if code:
            assert app_client.post(CHECK_IN, json={"code": code}, headers=staff).status_code == 200
        count = app_client.get(COUNT, params=query, headers=staff).json()
        seen.append((count["tickets"], count["admitted"], count["remaining"]))
    assert seen == [(3, 0, 3), (3, 1, 2), (3, 2, 1), (3, 3, 0)]
    admin = app_client.get(COUNT, params=query, headers=auth_header("root", role=Role.ADMIN))
    assert admin.status_code == 200


def test_confirmation_email_lists_each_tickets_short_code(db, clock, smtp_server):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2)
    sender = "SeatGuard <tickets@seatguard.test>"
    mailer = SmtpBackend(smtp_server.host, smtp_server.port, security="none", timeout=5)
    sent = send_order_email(
        db=db,
        mailer=mailer,
        order_id=paid.order_id,
        kind="confirmation",
        sender=sender,
        clock=clock,
    )
    assert sent is True
    [received] = smtp_server.received
    printed = {format_short_code(c) for c in short_codes(db, paid.order_id).values()}
    for kind in ("plain", "html"):
        body = received.message.get_body(preferencelist=(kind,)).get_content()
        assert {code for code in printed if code in body} == printed


def sync_together(db, batches, now):
    """Each batch synced by its own thread, all released at once; (statuses, errors)."""
    barrier = threading.Barrier(len(batches))
    errors: list[BaseException] = []
    statuses: list[str] = []

    def door(scans: list[OfflineScan]) -> None:
        barrier.wait()
        try:
            with db.unit_of_work() as session:
                outcomes = sync_scans(session, scans=scans, public_key=KEY.public_key(), now=now)
            statuses.extend(o.status for o in outcomes)
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=door, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses, errors


def test_overlapping_batches_from_two_doors_neither_deadlock_nor_disagree(db, clock):
    """Two doors sync the same tickets with opposite scan orders, at the same moment."""
    rounds, seats = 6, 5
    for _ in range(rounds):
        paid = make_paid_order(db, now=clock(), private_key=KEY, seats=seats)
        codes = [paid.codes[t] for t in paid.ticket_ids]
        t0 = clock() - timedelta(hours=1)
        forward = [
            OfflineScan(code=c, scanned_at=t0 + timedelta(seconds=i)) for i, c in enumerate(codes)
        ]
        backward = [
            OfflineScan(code=c, scanned_at=t0 + timedelta(seconds=seats - i))
            for i, c in enumerate(codes)
        ]
        statuses, errors = sync_together(db, [forward, backward], clock())
        assert errors == []
        assert len(statuses) == 2 * seats
        assert set(statuses) <= {"CHECKED_IN", "DUPLICATE"}
        assert statuses.count("CHECKED_IN") >= seats  # the first batch to commit admits all
        with db.reader() as session:
            rows = session.execute(
                select(Ticket.id, Ticket.checked_in_at).where(Ticket.order_id == paid.order_id)
            ).all()
        first = {paid.codes[r.id]: r.checked_in_at for r in rows}
        for i, code in enumerate(codes):
            assert first[code] == t0 + timedelta(seconds=min(i, seats - i))
