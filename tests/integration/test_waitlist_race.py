"""Never offered to two, never offered twice: sweepers racing each other and buyers on the
general sale over the same freed seats, with real threads on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from seatguard.booking import holds
from seatguard.booking.models import Seat
from seatguard.common.errors import AppError
from seatguard.queue.factory import build_queue
from seatguard.queue.models import Job
from seatguard.waitlist import offers, service
from seatguard.waitlist.models import WaitlistEntry
from tests.support.factories import make_event

SEATS = 12
IN_LINE = 8
OFFER = timedelta(minutes=30)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_racing_sweepers_and_buyers_never_share_an_offered_seat(db, settings, clock, seed):
    rng = random.Random(seed)
    now = clock()
    event_id, seats = make_event(db, now=now, seats=SEATS)
    with db.unit_of_work() as session:
        holds.hold_seats(
            session,
            seat_ids=seats,
            user_id="bob",
            now=now,
            hold_for=timedelta(minutes=1),
            max_per_event=SEATS,
        )
    for i in range(IN_LINE):
        with db.unit_of_work() as session:
            service.join(
                session,
                event_id=event_id,
                user_id=f"fan{i}",
                email=f"fan{i}@example.com",
                language=None,
                seats_wanted=rng.randint(1, 3),
                max_seats=8,
                now=now + timedelta(seconds=i),
            )
    later = now + timedelta(minutes=2)  # Bob's hold ran out: every seat is free again
    queue = build_queue(settings, db, clock=clock)
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            start.wait()
            offers.make_offers(db, queue=queue, now=later, offer_for=OFFER, max_seats=8)
        except BaseException as exc:
            errors.append(exc)

    def buyer(name: str, picks: list) -> None:
        start.wait()
        for pick in picks:
            try:
                with db.unit_of_work() as session:
                    holds.hold_seats(
                        session,
                        seat_ids=pick,
                        user_id=name,
                        now=later,
                        hold_for=timedelta(minutes=15),
                        max_per_event=8,
                    )
            except AppError:
                pass

    threads = [threading.Thread(target=sweeper) for _ in range(3)] + [
        threading.Thread(
            target=buyer, args=(f"walkin{i}", [rng.sample(seats, 2) for _ in range(4)])
        )
        for i in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    offers.make_offers(db, queue=queue, now=later, offer_for=OFFER, max_seats=8)  # what is left

    with db.reader() as session:
        entries = session.scalars(select(WaitlistEntry)).all()
        held = dict(
            session.execute(
                select(Seat.held_by, func.count())
                .where(Seat.status == "LOCKED", Seat.held_until > later)
                .group_by(Seat.held_by)
            ).all()
        )
        jobs = [json.loads(j) for j in session.scalars(select(Job.payload))]
    offered = [e for e in entries if e.state == "OFFERED"]
    assert offered, "some seats were offered"
    for entry in offered:  # each offer holds exactly its seats: none lost to another
        assert held.get(entry.user_id, 0) == entry.seats_offered == entry.seats_wanted
    for entry in entries:
        if entry.state == "WAITING":
            assert entry.offer_id is None
            assert held.get(entry.user_id, 0) == 0
    offer_jobs = [j for j in jobs if j.get("body", j).get("type") == "waitlist.offer"]
    assert len(offer_jobs) == len(offered)  # one offer (and one email) per entry
    assert sum(held.values()) <= SEATS
    free_left = SEATS - sum(held.values())
    waiting = [e.seats_wanted for e in entries if e.state == "WAITING"]
    assert all(w > free_left for w in waiting)  # nobody who fits is left waiting
