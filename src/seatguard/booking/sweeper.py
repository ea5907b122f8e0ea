"""The sweeper: tidies expired holds in the background. Correctness never waits for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from seatguard.booking import live
from seatguard.booking.holds import SeatChange, sweep_expired_holds
from seatguard.common.clock import Clock
from seatguard.common.db import Database

log = logging.getLogger("seatguard.sweeper")

SweepStep = Callable[[Database, Clock], list[SeatChange]]


def sweep_holds(db: Database, clock: Clock) -> list[SeatChange]:
    with db.unit_of_work() as session:
        changes = sweep_expired_holds(session, now=clock())
        live.announce(session, changes)
        return changes


def sweep_once(db: Database, clock: Clock, steps: list[SweepStep] | None = None) -> int:
    """Run every sweep step once; returns how many seats changed."""
    changed = 0
    for step in steps or [sweep_holds]:
        changed += len(step(db, clock))
    return changed


def run_forever(
    db: Database,
    clock: Clock,
    *,
    interval: float,
    stop: threading.Event,
    steps: list[SweepStep] | None = None,
) -> None:
    while not stop.is_set():
        try:
            freed = sweep_once(db, clock, steps)
            if freed:
                log.info("sweeper freed %d seats", freed)
        except Exception:  # keep sweeping after a transient database error
            log.exception("sweep failed")
        stop.wait(interval)
