"""Flash sale: buyers hold, check out and pay through the sandbox; workers fulfil and email.

The booking service (one process: the payment sandbox lives in it) answers the buyers; ``W``
``seatguard worker`` processes take the webhook's jobs, sell the seats, issue the tickets and
send the confirmation emails, each of which renders the tickets' PDF.

Two phases, so each rate is its own and not the other's: the sale (every buyer pays; the
webhooks fill the queue, as a burst of payments outpacing the workers would), then the
workers start and drain it. Fulfilment throughput is measured from the first fulfilled order
to the last email sent (the rate from the workers' start, start-up included, beside it), so
it is the workers' rate, not the rate payments arrived at. ``drain="lean"`` drains with
``bench.lean_drain`` instead, the floor the workers are measured beside.
"""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.load import Client, LoadResult, Recorder, run_load
from bench.pg import free_port
from bench.profile import profiled
from bench.server import RssSampler, children_of, cpu_seconds, machine_cpu_seconds, spawn
from bench.stats import Run, latencies_ms, quantiles, status_counts
from bench.world import World, audit, make_event
from seatguard.booking.models import Order, Ticket
from seatguard.queue.models import Job

CARD = {
    "card_number": "4242424242424242",
    "exp_month": "12",
    "exp_year": "2034",
    "cvc": "123",
    "cardholder": "Bench Buyer",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Sale:
    seats: int
    buyers: int
    connections: int
    duration: float  # cap on the buying phase
    fulfil_timeout: float  # cap on waiting for the workers


def seats_of(buyer: int) -> int:
    return 1 + buyer % 4


class DepthSampler:
    """Outstanding jobs (not done, not dead) over time, read from the ``jobs`` table."""

    def __init__(self, world: World, interval: float = 0.5) -> None:
        self.world = world
        self.interval = interval
        self.points: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="depth", daemon=True)
        self.start_at = time.perf_counter()

    def depth(self) -> int:
        with self.db.reader() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(Job.done_at.is_(None), Job.dead.is_(False))
                )
                or 0
            )

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.points.append((time.perf_counter() - self.start_at, self.depth()))

    def __enter__(self) -> DepthSampler:
        self.db = self.world.database()
        self.start_at = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.db.dispose()


def _counts(world: World) -> tuple[int, int, int]:
    db = world.database()
    try:
        with db.reader() as session:
            completed = session.scalar(
                select(func.count()).select_from(Order).where(Order.status == "COMPLETED")
            )
            tickets = session.scalar(select(func.count()).select_from(Ticket))
            outstanding = session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.done_at.is_(None), Job.dead.is_(False))
            )
    finally:
        db.dispose()
    return completed or 0, tickets or 0, outstanding or 0


def _wait_for_webhooks(world: World, paid: int, *, timeout: float) -> int:
    """Wait until every paid order's webhook is in the queue; returns the jobs queued."""
    deadline = time.monotonic() + timeout
    while True:
        _, _, outstanding = _counts(world)
        if outstanding >= paid or time.monotonic() > deadline:
            return outstanding
        time.sleep(0.1)


def _tree_cpu(pid: int) -> float:
    return sum(cpu_seconds(p) for p in [pid, *children_of(pid)])


def _cores(cpu_s: float, window: float) -> float:
    return round(cpu_s / window, 2) if window > 0 else 0.0


DRAINS = ("seatguard", "lean")  # who drains: ``seatguard worker``, or ``bench.lean_drain``


def flash_sale(world: World, *, sale: Sale, workers: int, drain: str = "seatguard") -> Run:
    seat_ids = [str(s) for s in make_event(world, seats=sale.seats)]
    plan: list[list[str]] = []
    cursor = 0
    for buyer in range(sale.buyers):
        n = seats_of(buyer)
        if cursor + n > len(seat_ids):
            break
        plan.append(seat_ids[cursor : cursor + n])
        cursor += n
    headers = [world.headers(f"buyer-{b}") for b in range(len(plan))]
    paid_at: list[float] = []
    paid_seats: list[int] = []
    turns = iter(range(len(plan)))

    async def buy(client: Client, rec: Recorder, _slot: int, _turn: int) -> None:
        b = next(turns, None)
        if b is None:
            return
        seats, hdr = plan[b], headers[b]
        held = await rec.call(
            client, "hold", "POST", "/api/v1/seats/lock", json={"seatIds": seats}, headers=hdr
        )
        if held is None or held.status_code != 200:
            return
        body = {"currency": "USD", "items": [{"seatIds": {"id": s}} for s in seats]}
        checkout = await rec.call(
            client,
            "checkout",
            "POST",
            "/api/v1/stripe/create/checkout/session",
            json=body,
            headers=hdr,
        )
        if checkout is None or checkout.status_code != 201:
            return
        paid = await rec.call(client, "pay", "POST", checkout.json()["url"], data=CARD)
        if paid is not None and paid.status_code == 303:
            paid_at.append(time.perf_counter())
            paid_seats.append(len(seats))

    port = free_port()
    env = world.server_env(PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    with ExitStack() as stack:
        server = stack.enter_context(
            spawn(
                ["seatguard", "booking", "--workers", "1"],
                env=env,
                port=port,
                log_path=world.workdir / "server.log",
            )
        )
        pids = [server.pid]
        sampler = RssSampler(pids)
        sampler.start()
        depth = stack.enter_context(DepthSampler(world))
        stack.enter_context(profiled(server.pid, "flash-server"))
        begin = time.perf_counter()
        result: LoadResult = run_load(
            server.base_url,
            buy,
            connections=sale.connections,
            max_ops=len(plan),
            duration=sale.duration,
            engine="httpx",
        )
        all_paid = time.perf_counter() - begin
        queued = _wait_for_webhooks(world, len(paid_at), timeout=60)
        drain_begin = time.perf_counter()
        worker_pids: list[int] = []
        for w in range(workers):
            command = (
                ["seatguard", "worker", "--concurrency", "2"]
                if drain == "seatguard"
                else ["bench.lean_drain", "--threads", "2"]
            )
            worker = stack.enter_context(
                spawn(
                    command,
                    env=env,
                    health=None,
                    log_path=world.workdir / f"worker-{w}.log",
                )
            )
            sampler.add(worker.pid)
            worker_pids.append(worker.pid)
            stack.enter_context(profiled(worker.pid, f"flash-{drain}-worker{w + 1}"))
        deadline = time.monotonic() + sale.fulfil_timeout
        completed = tickets = outstanding = 0
        first_at: float | None = None  # when the first order was seen completed
        tickets_at_first = 0
        worker_cpu_at_first = 0.0
        server_cpu_at_first = machine_at_first = 0.0
        while time.monotonic() < deadline:
            completed, tickets, outstanding = _counts(world)
            if first_at is None and completed:
                first_at = time.perf_counter()
                tickets_at_first = tickets
                worker_cpu_at_first = sum(sampler.cpu_last.get(p, 0.0) for p in worker_pids)
                server_cpu_at_first = _tree_cpu(server.pid)
                machine_at_first = machine_cpu_seconds()
            if completed >= len(paid_at) and outstanding == 0:
                break
            time.sleep(0.1)
        fulfilled = time.perf_counter()
        machine_cpu_s = machine_cpu_seconds() - machine_at_first
        server_cpu_s = _tree_cpu(server.pid) - server_cpu_at_first
        sampler.stop()
    window = max(fulfilled - drain_begin, 1e-9)
    worker_cpu_s = sum(sampler.cpu_last.get(pid, 0.0) for pid in worker_pids)
    # A buyer waits for running workers, not for a worker process to start: tickets/s is the
    # drain once the first order is fulfilled (start-up reported apart, and the rate with it).
    steady_tickets = tickets - tickets_at_first
    steady_window = fulfilled - (first_at or fulfilled)
    steady = steady_tickets > 0 and steady_window > 0
    rate = steady_tickets / steady_window if steady else tickets / window
    seats_paid = sum(paid_seats)
    p50, p95, p99 = quantiles(latencies_ms(result.samples))
    emails = len(list((world.workdir / "outbox").glob("**/*.eml")))
    return Run(
        scenario="flash-sale",
        db=world.kind,
        workers=workers,
        connections=sale.connections,
        requests=len(result.samples),
        elapsed_s=fulfilled - begin,
        throughput=rate,
        unit="tickets/s",
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        statuses=status_counts(result.samples),
        oversold=audit(world).oversold,
        rss_mb=sampler.peak_mb,
        extra={
            "implementation": drain,
            "buyers": len(plan),
            "orders_paid": len(paid_at),
            "seats_paid": seats_paid,
            "orders_completed": completed,
            "tickets": tickets,
            "emails": emails,
            "jobs_outstanding": outstanding,
            "all_paid_s": round(all_paid, 2),
            "jobs_queued": queued,
            "workers_first_order_s": round((first_at or fulfilled) - drain_begin, 2),
            "drain_s": round(window, 2),
            "tickets_per_s_from_start": round(tickets / window, 1),
            "sold_out_s": round(fulfilled - begin, 2),
            "orders_per_s": round(completed / window, 1),
            "cpu_s_all_processes": round(sampler.cpu_s, 1),
            "cpu_ms_per_ticket": round(sampler.cpu_s * 1000 / max(1, tickets), 1),
            # the worker processes alone, start-up included (PostgreSQL's share is not in it)
            "worker_cpu_ms_per_ticket": round(worker_cpu_s * 1000 / max(1, tickets), 1),
            # the same once the first order is fulfilled (start-up and first imports left out)
            "steady_worker_cpu_ms_per_ticket": round(
                (worker_cpu_s - worker_cpu_at_first) * 1000 / max(1, steady_tickets), 1
            ),
            # who kept the cores busy while the workers drained (after the first order): the
            # workers, the booking service (the gateway's lookups), and everything else
            # (PostgreSQL, this client's polling)
            "steady_cores_busy": _cores(machine_cpu_s, steady_window),
            "steady_cores_workers": _cores(worker_cpu_s - worker_cpu_at_first, steady_window),
            "steady_cores_booking": _cores(server_cpu_s, steady_window),
            "every_paid_order_completed": completed == len(paid_at) and tickets == seats_paid,
            "queue_depth": [(round(t, 1), d) for t, d in depth.points],
            "p99_by_step_ms": {
                step: round(quantiles(latencies_ms(result.samples, label=step))[2], 1)
                for step in ("hold", "checkout", "pay")
            },
        },
    )
