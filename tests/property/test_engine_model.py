"""Random interleavings of the whole engine must never oversell, lose a payment or a ticket.

See engine_model.py for the rules and the invariants checked after every step.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.property.engine_model import Context, Faults, crash_injection, machine_for


def run_model(
    db, database_url, tmp_path, monkeypatch, *, examples: int, steps: int, derandomize: bool = False
) -> Context:
    faults = Faults()
    ctx = Context(
        database_url=database_url,
        db=db,
        start=datetime.now(UTC).replace(microsecond=0),
        workdir=tmp_path,
        faults=faults,
    )
    with crash_injection(monkeypatch, faults):
        run_state_machine_as_test(
            machine_for(ctx),
            settings=settings(
                max_examples=examples,
                stateful_step_count=steps,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                database=None,
                derandomize=derandomize,
            ),
        )
    return ctx


def test_engine_model(db, database_url, tmp_path, monkeypatch):
    # Few examples: the same ones every run (ids are seeded too), so the coverage checks below
    # cannot flake; the slow long run below explores at random.
    ctx = run_model(
        db, database_url, tmp_path, monkeypatch, examples=12, steps=40, derandomize=True
    )
    assert ctx.stats.get("runs.settled", 0) >= 12
    assert ctx.stats.get("hold.ok", 0) > 0
    assert ctx.stats.get("checkout.ok", 0) > 0


@pytest.mark.slow
def test_engine_model_long_run(db, database_url, tmp_path, monkeypatch):
    ctx = run_model(db, database_url, tmp_path, monkeypatch, examples=150, steps=60)
    assert ctx.stats.get("runs.settled", 0) >= 150
    # The long run must have exercised the dangerous paths, not only the happy one.
    for key in (
        "pay.paid",
        "pay.async",
        "event.cancelled",
        "webhook.duplicate",
        "worker.died_before_ack",
        "scan.admitted",
        "cancel.ok",
        "cancel.order_paid",
    ):
        assert ctx.stats.get(key, 0) > 0, (key, ctx.stats)
    assert ctx.faults.fired > 0
    print(sorted(ctx.stats.items()), "crashes injected:", ctx.faults.fired)
