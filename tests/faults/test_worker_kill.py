"""SIGKILL a real ``seatguard worker`` at random moments of fulfilment; it must converge.

Paid sessions wait in the queue (checkout → sandbox page → signed webhook, on the live stack).
A worker subprocess is started against the same database and sandbox, killed with SIGKILL
after a random delay, and started again, many times; a last worker runs to the end. The end
state must be the same as with no kills: every order COMPLETED, its seats SOLD to it, one
ticket per seat, and exactly one confirmation email per order in the outbox. The product has
no pause hook inside fulfilment, so the kill points are random rather than chosen.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seatguard.booking.models import Seat, Ticket
from seatguard.common.security import mint_token
from seatguard.notify.sent_record import CLAIM_TIMEOUT
from tests.support.factories import make_event
from tests.support.payflow import Stack, live_stack


def _worker_env(stack: Stack, settings, outbox: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SEATGUARD_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": settings.jwt_secret,
        "PUBLIC_BASE_URL": stack.base,
        "EMAIL_OUTBOX_DIR": str(outbox),
        "TICKET_KEY_FILE": str(outbox.parent / "ticket-key.pem"),
        "QUEUE_VISIBILITY_TIMEOUT": "1",
        "LOG_LEVEL": "WARNING",
    }


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "seatguard", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_kill_loop(stack: Stack, settings, *, orders: int, kills: int, seed: int) -> dict:
    rng = random.Random(seed)
    _, seats = make_event(stack.db, now=stack.clock(), seats=orders * 2)
    started = []
    for i in range(orders):
        user = f"buyer{i}"
        headers = {
            "Authorization": f"Bearer {mint_token(settings, user_id=user, email=f'{user}@x.io')}"
        }
        with stack.client(headers) as c:
            answer = c.post(
                "/api/v1/stripe/create/checkout/session",
                json={
                    "currency": "usd",
                    "items": [{"seatIds": [{"id": str(s)} for s in seats[2 * i : 2 * i + 2]]}],
                },
            )
            assert answer.status_code == 201, answer.text
            started.append(answer.json())
    for body in started:
        assert stack.pay(body["url"]).status_code == 303
    stack.wait_for_webhooks(orders)

    env = _worker_env(stack, settings, stack.outbox)
    killed_mid_work = 0
    for _ in range(kills):
        proc = _start(env)
        time.sleep(rng.uniform(0.3, 2.5))  # the interpreter's start-up is ~0.3-1 s
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done = sum(1 for b in started if stack.order(b["orderId"]).status == "COMPLETED")
        depth = stack.queue.depth()
        if done < orders or depth["ready"] or depth["in_flight"] or depth["delayed"]:
            killed_mid_work += 1  # orders or their emails were still to do
    time.sleep(1.1)  # leases of killed claims run out
    proc = _start(env)
    try:
        # a worker killed between claiming an email and sending it leaves a claim that others
        # take over only once it is stale (CLAIM_TIMEOUT), so convergence may take that long
        deadline = time.monotonic() + 90 + CLAIM_TIMEOUT.total_seconds()
        while time.monotonic() < deadline:
            depth = stack.queue.depth()
            idle = not depth["ready"] and not depth["in_flight"] and not depth["delayed"]
            if idle and all(stack.order(b["orderId"]).status == "COMPLETED" for b in started):
                break
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    for i, body in enumerate(started):
        order_seats = seats[2 * i : 2 * i + 2]
        assert stack.order(body["orderId"]).status == "COMPLETED"
        assert stack.seats(order_seats) == dict.fromkeys(order_seats, ("SOLD", f"buyer{i}"))
        assert stack.tickets(body["orderId"]) == 2
    assert stack.count(Ticket) == orders * 2
    assert stack.count(Seat, Seat.status == "SOLD") == orders * 2
    assert stack.queue.depth()["dead"] == 0
    emails = sorted(stack.outbox.glob("*.eml"))
    assert len(emails) == orders, [e.name for e in emails]
    return {"killed_mid_work": killed_mid_work}


@pytest.fixture
def stack(settings, db, clock, tmp_path):
    with live_stack(settings, db, clock, tmp_path / "outbox") as live:
        yield live


def test_worker_killed_at_random_moments_converges(stack, settings):
    run_kill_loop(stack, settings, orders=3, kills=4, seed=1)  # asserts convergence itself


@pytest.mark.slow
def test_worker_killed_many_times_converges(stack, settings):
    result = run_kill_loop(stack, settings, orders=8, kills=25, seed=7)
    assert result["killed_mid_work"] > 0
