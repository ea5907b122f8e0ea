"""Soak: a bounded run of mixed buyer traffic against one real ``seatguard serve`` process.

Holds, releases, seat-map reads and full purchases (checkout → sandbox card page → signed
webhook → in-process worker) for a fixed time, loopback only. The server's memory and its
database connections must stay flat, nothing may be oversold and every payment must end
COMPLETED or REFUNDED.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from seatguard.booking.models import Order, OrderItem, Seat, Ticket
from seatguard.common.security import mint_token
from seatguard.settings import Settings
from tests.support.factories import make_event
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

DURATION = 75.0  # seconds of load
CLIENTS = 6
CARD = {
    "card_number": "4242424242424242",
    "exp_month": "12",
    "exp_year": "2034",
    "cvc": "123",
    "cardholder": "Soak Tester",
}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def server_pid(port: int) -> int:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmd and str(port).encode() in cmd:
            return int(proc.name)
    raise RuntimeError("server process not found")


@pytest.mark.slow
def test_mixed_traffic_keeps_memory_and_connections_flat(
    db, database_url, backend, tmp_path, clock
):
    settings = Settings(env="test", jwt_secret="soak-secret-0123456789abcdef0123456789")
    event_id, seats = make_event(db, now=clock(), seats=400, price_minor=1000)
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "JWT_SECRET": settings.jwt_secret,
        "EMAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "TICKET_KEY_FILE": str(tmp_path / "ticket.pem"),
        "LOG_LEVEL": "WARNING",
        "MAX_HOLDS_PER_EVENT": "4",
    }
    statuses: Counter[int] = Counter()
    paid: list[uuid.UUID] = []
    lock = threading.Lock()
    stop = threading.Event()

    def buyer(i: int, base: str) -> None:
        rng = random.Random(i)
        token = mint_token(settings, user_id=f"soak-{i}", email=f"soak{i}@example.com")
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as c:
            while not stop.is_set():
                pick = [str(s) for s in rng.sample(seats, 2)]
                roll = rng.random()
                if roll < 0.4:
                    r = c.get(f"/api/v1/events/{event_id}")
                elif roll < 0.8:
                    r = c.post("/api/v1/seats/lock", json={"seatIds": pick})
                    if r.status_code == 200:
                        for seat in pick:
                            c.delete(f"/api/v1/seats/lock/{seat}")
                else:
                    r = c.post(
                        "/api/v1/stripe/create/checkout/session",
                        json={"items": [{"seatIds": pick}]},
                    )
                    if r.status_code == 201:
                        body = r.json()
                        page = c.post(body["url"], data=CARD)
                        with lock:
                            statuses[page.status_code] += 1
                            if page.status_code in (200, 303):
                                paid.append(uuid.UUID(body["orderId"]))
                with lock:
                    statuses[r.status_code] += 1

    samples: list[tuple[int, int]] = []
    with seatguard_process(["serve", "--no-seed"], env=env, port=port) as base:
        pid = server_pid(port)
        threads = [
            threading.Thread(target=buyer, args=(i, base), daemon=True) for i in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        started = time.monotonic()
        while time.monotonic() - started < DURATION:
            time.sleep(5)
            active = 0
            if backend == "postgresql":
                with db.reader() as session:
                    active = (
                        session.scalar(
                            text(
                                "SELECT count(*) FROM pg_stat_activity"
                                " WHERE datname = current_database()"
                            )
                        )
                        or 0
                    )
            samples.append((rss_kib(pid), active))
        stop.set()
        for t in threads:
            t.join(timeout=60)
        # Let the in-process worker settle every payment.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.reader() as session:
                pending = (
                    session.scalar(
                        select(func.count())
                        .select_from(Order)
                        .where(Order.id.in_(paid), Order.status == "PENDING")
                    )
                    or 0
                )
            if pending == 0:
                break
            time.sleep(1)

    rss = [r for r, _ in samples]
    conns = [c for _, c in samples]
    print("soak", dict(statuses), "paid", len(paid), "rss_kib", rss, "conns", conns)
    assert not any(code >= 500 for code in statuses), statuses
    assert len(paid) > 10
    warm = statistics.median(rss[2:5])
    assert max(rss[5:]) < warm * 1.25, rss  # flat after warm-up, not creeping
    if backend == "postgresql":
        assert max(conns[2:]) <= max(conns[:3]) + 5, conns
    with db.reader() as session:
        states = Counter(session.scalars(select(Order.status).where(Order.id.in_(paid))))
        assert set(states) <= {"COMPLETED", "REFUNDED"}, states  # no paid order lost
        sold = session.execute(select(Seat.id, Seat.order_id).where(Seat.status == "SOLD")).all()
        for seat_id, order_id in sold:  # every sold seat belongs to exactly one completed order
            owners = session.scalars(
                select(OrderItem.order_id)
                .join(Order, Order.id == OrderItem.order_id)
                .where(OrderItem.seat_id == seat_id, Order.status == "COMPLETED")
            ).all()
            assert owners == [order_id], (seat_id, owners)
        tickets = session.scalar(select(func.count()).select_from(Ticket)) or 0
        assert tickets == len(sold)
