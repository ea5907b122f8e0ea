"""Model test of the door: online scans and offline batches in any order and with any scan times.

The model is one number per ticket, the earliest accepted scan. After every step the database
holds exactly the model, and every answer is the one the model predicts: an online scan admits
only a ticket nobody scanned yet; an offline scan is a duplicate exactly when an admission at or
before its time is already on record, and otherwise becomes the admission on record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from seatguard.booking.models import Ticket
from seatguard.common.errors import Conflict
from seatguard.tickets.door import OfflineScan, sync_scans
from seatguard.tickets.service import check_in
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
TICKETS = 3

online = st.tuples(st.just("online"), st.integers(0, TICKETS - 1), st.integers(1, 30))
offline = st.tuples(
    st.just("offline"),
    st.lists(st.tuples(st.integers(0, TICKETS - 1), st.integers(-120, 30)), min_size=1, max_size=6),
    st.integers(1, 30),
)
steps = st.lists(st.one_of(online, offline), min_size=1, max_size=8)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_first_scan_wins_whatever_the_order_of_arrival(db, clock, plan) -> None:
    start = clock()
    paid = make_paid_order(db, now=start, private_key=KEY, seats=TICKETS)
    ids = paid.ticket_ids
    model: dict[int, datetime | None] = dict.fromkeys(range(TICKETS))
    now = start
    for kind, what, advance in plan:
        now += timedelta(minutes=advance)
        if kind == "online":
            with db.unit_of_work() as session:
                try:
                    check_in(
                        session, code=paid.codes[ids[what]], public_key=KEY.public_key(), now=now
                    )
                    admitted = True
                except Conflict:
                    admitted = False
            assert admitted == (model[what] is None)
            if admitted:
                model[what] = now
        else:
            scans = [
                OfflineScan(code=paid.codes[ids[t]], scanned_at=now + timedelta(minutes=m))
                for t, m in what
            ]
            with db.unit_of_work() as session:
                outcomes = sync_scans(session, scans=scans, public_key=PUBLIC, now=now)
            expected: dict[int, str] = {}
            for index in sorted(range(len(what)), key=lambda i: scans[i].scanned_at):
                ticket, at = what[index][0], min(scans[index].scanned_at, now)
                first = model[ticket]
                if first is not None and first <= at:
                    expected[index] = "DUPLICATE"
                else:
                    expected[index] = "CHECKED_IN"
                    model[ticket] = at
            assert [o.status for o in outcomes] == [expected[i] for i in range(len(what))]
        with db.reader() as session:
            rows = session.execute(
                select(Ticket.id, Ticket.checked_in_at).where(Ticket.id.in_(ids))
            ).all()
        on_record = {r.id: r.checked_in_at for r in rows}
        assert on_record == {ids[i]: model[i] for i in range(TICKETS)}
