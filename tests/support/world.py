"""A sales world on the in-memory gateway: real database, queue, inbox and worker handlers."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from seatguard.booking.checkout import CheckoutRequest, start_checkout
from seatguard.booking.models import Order, Seat
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.payments.inbox import record_event
from seatguard.queue.db_queue import DatabaseQueue
from seatguard.runtime import Services
from seatguard.settings import Settings
from seatguard.worker.handlers import build_handlers
from seatguard.worker.runner import Handler, process_batch
from tests.property.memory_gateway import MemoryGateway
from tests.support.factories import make_event

HOLD = timedelta(minutes=15)


@dataclass
class World:
    db: Database
    clock: FrozenClock
    gateway: MemoryGateway
    queue: DatabaseQueue
    services: Services
    handlers: dict[str, Handler]
    seats: list[uuid.UUID]
    event_id: uuid.UUID

    def checkout(self, user: str = "alice", seat: int = 0) -> tuple[uuid.UUID, str]:
        result = start_checkout(
            db=self.db,
            gateway=self.gateway,
            request=CheckoutRequest(
                user_id=user,
                seat_ids=[self.seats[seat]],
                currency="usd",
                customer_email=f"{user}@example.com",
                success_url="https://shop.invalid/ok",
                cancel_url="https://shop.invalid/cancel",
            ),
            now=self.clock(),
            hold_for=HOLD,
            max_per_event=4,
        )
        return result.order_id, result.session_id

    def deliver(self, event: dict[str, Any] | None) -> None:
        assert event is not None
        with self.db.unit_of_work() as session:
            duplicate, ignored = record_event(
                session, event=event, queue=self.queue, now=self.clock()
            )
        assert not duplicate, event["type"]
        assert not ignored, event["type"]
        self.work()

    def work(self) -> None:
        for _ in range(20):
            messages = self.queue.receive(max_messages=10, wait_seconds=0)
            if not messages:
                return
            process_batch(self.queue, self.handlers, messages)

    def order(self, order_id: uuid.UUID) -> Order:
        with self.db.reader() as session:
            order = session.get(Order, order_id)
            assert order is not None
            return order

    def seat(self, index: int = 0) -> tuple[str, uuid.UUID | None]:
        with self.db.reader() as session:
            seat = session.get(Seat, self.seats[index])
            assert seat is not None
            return seat.status, seat.order_id


def make_world(
    db: Database, clock: FrozenClock, settings: Settings, tmp_path: Path, *, seats: int = 4
) -> World:
    gateway = MemoryGateway()
    queue = DatabaseQueue(db, clock=clock, base_backoff=0, max_backoff=0, rng=random.Random(0))
    live = settings.model_copy(
        update={
            "email_outbox_dir": str(tmp_path / "outbox"),
            "ticket_key_file": str(tmp_path / "ticket-key.pem"),
        }
    )
    services = Services(settings=live, db=db, clock=clock, _gateway=gateway, _queue=queue)
    event_id, seat_ids = make_event(db, now=clock(), seats=seats)
    return World(db, clock, gateway, queue, services, build_handlers(services), seat_ids, event_id)
