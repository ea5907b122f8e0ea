"""``seatguard seed --reset`` never deletes sales without ``--force``, and says what it would."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from sqlalchemy import func, select

from seatguard.booking.models import Event, Order, OrderItem, Ticket
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.tickets.short_codes import new_short_code
from tests.support.factories import make_event


def seatguard(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SEATGUARD_ENV": "test", "DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "seatguard", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def sell(db: Database, clock: FrozenClock, *, orders: int) -> None:
    event_id, seats = make_event(db, now=clock(), seats=orders)
    with db.unit_of_work() as session:
        for seat_id in seats[:orders]:
            order = Order(
                id=uuid.uuid4(),
                user_id="alice",
                event_id=event_id,
                status="COMPLETED",
                currency="usd",
                amount_total=1500,
                created_at=clock(),
                updated_at=clock(),
            )
            session.add(order)
            session.flush()
            session.add(OrderItem(order_id=order.id, seat_id=seat_id, amount=1500))
            session.add(
                Ticket(
                    order_id=order.id,
                    seat_id=seat_id,
                    code="c",
                    short_code=new_short_code(),
                    issued_at=clock(),
                )
            )


def count(db: Database, model: type[object]) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_reset_refuses_to_delete_sales_without_force(db, database_url, clock):
    sell(db, clock, orders=3)
    refused = seatguard(database_url, "seed", "--reset")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "3 orders and 3 tickets" in refused.stdout
    assert "--force" in refused.stdout
    assert (count(db, Order), count(db, Ticket), count(db, Event)) == (3, 3, 1)  # untouched

    forced = seatguard(database_url, "seed", "--reset", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "Deleted 3 orders and 3 tickets" in forced.stdout
    assert (count(db, Order), count(db, Ticket)) == (0, 0)
    assert count(db, Event) > 1  # the demo events


def test_reset_of_a_database_without_sales_needs_no_force(db, database_url, clock):
    make_event(db, now=clock())
    done = seatguard(database_url, "seed", "--reset")
    assert done.returncode == 0, done.stdout + done.stderr
    with db.reader() as session:
        names = set(session.scalars(select(Event.name)))
    assert "Test Concert" not in names
    assert names
