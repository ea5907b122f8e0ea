"""The embedded sandbox across processes: two ``seatguard booking --workers 2`` over one
database (SQLite and PostgreSQL). A checkout created through one process is shown and paid
through the other, and still paid after its process restarts: the sandbox's state is in the
database, not in a worker's memory."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from seatguard.booking.models import Order
from seatguard.common.clock import system_clock
from seatguard.common.db import Database
from seatguard.common.security import mint_token
from seatguard.payments.models import PaymentEvent
from seatguard.runtime import build_services
from seatguard.settings import Settings
from seatguard.worker.handlers import build_handlers
from seatguard.worker.runner import process_batch
from tests.support.factories import make_event
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

CARD = {
    "card_number": "4242 4242 4242 4242",
    "exp_month": "12",
    "exp_year": "2034",
    "cvc": "123",
    "cardholder": "Ada Lovelace",
}
BOOKING = ["booking", "--workers", "2"]


def env_for(settings: Settings, port: int, tmp: Path) -> dict[str, str]:
    metrics = tmp / f"metrics-{port}"
    metrics.mkdir(exist_ok=True)
    return {
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": settings.jwt_secret,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "TICKET_KEY_FILE": str(tmp / "ticket-key.pem"),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }


def checkout(base: str, headers: dict[str, str], seat_id: uuid.UUID) -> dict[str, str]:
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        started = client.post(
            "/api/v1/stripe/create/checkout/session", json={"items": [{"seatIds": [str(seat_id)]}]}
        )
    assert started.status_code == 201, started.text
    body: dict[str, str] = started.json()
    return body


def through(url: str, base: str) -> str:
    """The same pay page, reached through another process."""
    return base + url[url.index("/sandbox/stripe/") :]


def settle(db: Database, settings: Settings, order_id: str, *, webhooks: int) -> str:
    """Wait for the webhooks, run the worker in this process, return the order's status."""
    deadline = time.monotonic() + 30
    while True:
        with db.reader() as session:
            if session.query(PaymentEvent).count() >= webhooks:
                break
        assert time.monotonic() < deadline, "the webhook never arrived"
        time.sleep(0.1)
    services = build_services(settings, db=db)
    handlers = build_handlers(services)
    for _ in range(10):
        messages = services.queue.receive(max_messages=10, wait_seconds=0)
        if not messages:
            break
        process_batch(services.queue, handlers, messages)
    with db.reader() as session:
        order = session.get(Order, uuid.UUID(order_id))
        assert order is not None
        return order.status


@pytest.mark.slow  # three multi-worker services start: about 80 s per database
def test_a_checkout_from_one_process_is_paid_through_another_and_after_a_restart(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    _, seats = make_event(db, now=system_clock())
    token = mint_token(settings, user_id="alice", email="alice@example.com")
    alice = {"Authorization": f"Bearer {token}"}
    port_a, port_b = free_port(), free_port()
    env_a, env_b = env_for(settings, port_a, tmp_path), env_for(settings, port_b, tmp_path)
    worker_settings = settings.model_copy(
        update={
            "public_base_url": f"http://127.0.0.1:{port_b}",
            "email_outbox_dir": env_a["EMAIL_OUTBOX_DIR"],
            "ticket_key_file": env_a["TICKET_KEY_FILE"],
        }
    )
    with seatguard_process(BOOKING, env=env_b, port=port_b) as b:
        with seatguard_process(BOOKING, env=env_a, port=port_a) as a:
            orders = [checkout(a, alice, seat) for seat in seats[:4]]
            for order in orders:  # every worker process of either service shows every page
                for base in (a, b, a, b):
                    page = httpx.get(through(order["url"], base), timeout=30)
                    assert page.status_code == 200, (base, page.text[:200])
                    assert "card_number" in page.text
            paid = httpx.post(through(orders[0]["url"], b), data=CARD, timeout=30)
            assert paid.status_code == 303, paid.text[:300]
            assert settle(db, worker_settings, orders[0]["orderId"], webhooks=1) == "COMPLETED"
            # Paid through B: A's workers see it as paid too.
            again = httpx.post(through(orders[0]["url"], a), data=CARD, timeout=30)
            assert again.status_code == 409
        # A is gone; its open checkouts are still payable once it is back.
        with seatguard_process(BOOKING, env=env_a, port=port_a) as a:
            page = httpx.get(orders[1]["url"], timeout=30)
            assert page.status_code == 200
            paid = httpx.post(orders[1]["url"], data=CARD, timeout=30)
            assert paid.status_code == 303, paid.text[:300]
            assert settle(db, worker_settings, orders[1]["orderId"], webhooks=2) == "COMPLETED"
