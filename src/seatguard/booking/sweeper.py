"""The sweeper: runs the expiry steps (booking/expiry.py) in the background.

Correctness never waits for it: a hold is free the moment it expires. It tidies holds,
expires unpaid orders, reconciles completed sessions and resumes refunds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from seatguard.booking.expiry import SweepResult, sweep_holds
from seatguard.common.clock import Clock
from seatguard.common.db import Database

log = logging.getLogger("seatguard.sweeper")

SweepStep = Callable[[Database, Clock], SweepResult]


def _holds(db: Database, clock: Clock) -> SweepResult:
    return sweep_holds(db, clock())


def sweep_once(db: Database, clock: Clock, steps: list[SweepStep] | None = None) -> SweepResult:
    """Run every sweep step once; returns what they did, added up."""
    result = SweepResult()
    for step in steps or [_holds]:
        result += step(db, clock)
    return result


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
            result = sweep_once(db, clock, steps)
            if result != SweepResult():
                log.info("sweep: %s", result)
        except Exception:  # keep sweeping after a transient database error
            log.exception("sweep failed")
        stop.wait(interval)
