"""Metrics helpers: route templates, hold counting, and multiprocess aggregation."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from seatguard.common import metrics
from seatguard.common.errors import Conflict


def test_route_templates_hide_ids_and_unmatched_paths():
    scope = {
        "path": "/api/v1/events/5f0c8a3e/seats",
        "route": object(),
        "path_params": {"event_id": "5f0c8a3e"},
    }
    assert metrics.route_template(scope) == "/api/v1/events/{event_id}/seats"
    assert metrics.route_template({"path": "/health", "endpoint": object()}) == "/health"
    assert metrics.route_template({"path": "/wp-admin/x.php"}) == metrics.UNMATCHED


def test_holds_are_counted_taken_or_refused():
    taken = metrics.HOLDS.labels("taken")._value.get()
    refused = metrics.HOLDS.labels("refused")._value.get()
    with metrics.counting_holds():
        pass
    with pytest.raises(Conflict), metrics.counting_holds():
        raise Conflict("taken by someone else", code="seats_unavailable")
    assert metrics.HOLDS.labels("taken")._value.get() == taken + 1
    assert metrics.HOLDS.labels("refused")._value.get() == refused + 1


def test_fulfilment_outcomes_count_orders_and_seats():
    sold = metrics.SEATS_SOLD._value.get()
    completed = metrics.ORDERS.labels("completed")._value.get()
    refunded = metrics.ORDERS.labels("refunded")._value.get()
    metrics.record_fulfilment(outcome="completed", seats=3)
    metrics.record_fulfilment(outcome="refunded", seats=2)
    metrics.record_fulfilment(outcome="already_done", seats=3)
    assert metrics.SEATS_SOLD._value.get() == sold + 3
    assert metrics.ORDERS.labels("completed")._value.get() == completed + 1
    assert metrics.ORDERS.labels("refunded")._value.get() == refunded + 1


PROCESS = """
from seatguard.common import metrics
metrics.HOLDS.labels("taken").inc({n})
metrics.SEATS_SOLD.inc({n})
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"stale")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    reset = "from seatguard.common.metrics import reset_multiprocess_metrics as r; r()"
    subprocess.run([sys.executable, "-c", reset], env=env, check=True, timeout=60)
    assert not (directory / "counter_999999.db").exists()
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", PROCESS.format(n=n)], env=env, check=True, timeout=60)
    scrape = (
        "import sys; from seatguard.common import metrics; "
        "sys.stdout.write(metrics.exposition(None).decode())"
    )
    done = subprocess.run(
        [sys.executable, "-c", scrape], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert 'seatguard_holds_total{outcome="taken"} 5.0' in done.stdout
    assert "seatguard_seats_sold_total 5.0" in done.stdout
