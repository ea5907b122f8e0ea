"""A live booking app with the sandbox gateway mounted, and a worker driven step by step."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from seatguard.app import create_app
from seatguard.booking.models import Order, Seat, Ticket
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.payments.models import PaymentEvent
from seatguard.payments.sandbox import Sandbox
from seatguard.queue.base import Queue
from seatguard.runtime import Services
from seatguard.settings import Settings
from seatguard.worker.handlers import build_handlers
from seatguard.worker.runner import Handler, process_batch
from tests.support.postgres import free_port
from tests.support.sandbox import serve_app

GOOD_CARD = "4242424242424242"


@dataclass
class Stack:
    base: str
    db: Database
    clock: FrozenClock
    services: Services
    sandbox: Sandbox
    handlers: dict[str, Handler]
    outbox: Path

    @property
    def queue(self) -> Queue:
        return self.services.queue

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers=headers or {}, timeout=30)

    def drain(self, *, rounds: int = 20) -> int:
        """Run the worker until the queue has nothing ready; returns messages handled."""
        handled = 0
        for _ in range(rounds):
            messages = self.queue.receive(max_messages=10, wait_seconds=0)
            if not messages:
                return handled
            process_batch(self.queue, self.handlers, messages)
            handled += len(messages)
        return handled

    def pay(self, url: str, card: str = GOOD_CARD) -> httpx.Response:
        form = {
            "card_number": card,
            "exp_month": "12",
            "exp_year": "2034",
            "cvc": "123",
            "cardholder": "Ada Lovelace",
        }
        with httpx.Client(timeout=30) as client:
            return client.post(url, data=form, follow_redirects=False)

    def wait_for_webhooks(self, count: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.count(PaymentEvent) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} webhook events")
            time.sleep(0.05)

    def count(self, model: Any, *where: Any) -> int:
        with self.db.reader() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def order(self, order_id: str | uuid.UUID) -> Order:
        with self.db.reader() as session:
            order = session.get(Order, uuid.UUID(str(order_id)))
            assert order is not None
            return order

    def seats(self, seat_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str | None]]:
        with self.db.reader() as session:
            rows = session.execute(
                select(Seat.id, Seat.status, Seat.held_by).where(Seat.id.in_(seat_ids))
            ).all()
        return {r.id: (r.status, r.held_by) for r in rows}

    def tickets(self, order_id: str | uuid.UUID) -> int:
        return self.count(Ticket, Ticket.order_id == uuid.UUID(str(order_id)))


@contextmanager
def live_stack(
    settings: Settings,
    db: Database,
    clock: FrozenClock,
    outbox: Path,
    *,
    queue: Queue | None = None,
) -> Iterator[Stack]:
    port = free_port()
    live = settings.model_copy(
        update={
            "public_base_url": f"http://127.0.0.1:{port}",
            "email_outbox_dir": str(outbox),
            "ticket_key_file": str(outbox.parent / "ticket-key.pem"),
        }
    )
    app = create_app(live, db=db, clock=clock, queue=queue)
    services: Services = app.state.services
    with serve_app(app, port) as base:
        try:
            yield Stack(
                base=base,
                db=db,
                clock=clock,
                services=services,
                sandbox=app.state.sandbox,
                handlers=build_handlers(services),
                outbox=outbox,
            )
        finally:
            app.state.sandbox.close()
