"""The sandbox's state in the database: Stripe's session and refund rules, and no operation
done twice when several stores (processes) share the tables; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from seatguard.common.db import Database
from seatguard.payments.sandbox.errors import SandboxError
from seatguard.payments.sandbox.eventlog import Claimed, EventLog
from seatguard.payments.sandbox.store import CardDeclined, SandboxStore
from seatguard.payments.sandbox.tables import SandboxCheckoutSession

NOW = 1_800_000_000


def session_params(**extra: Any) -> dict[str, Any]:
    return {
        "mode": "payment",
        "success_url": "https://x.test/ok",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": "1500",
                    "product_data": {"name": "A1"},
                },
                "quantity": "2",
            }
        ],
        **extra,
    }


@pytest.fixture
def store(db: Database) -> SandboxStore:
    return SandboxStore(db=db, pay_base_url="http://sandbox.test")


def test_a_session_totals_its_items_and_expires_on_time(store: SandboxStore, db: Database) -> None:
    session = store.create_session(session_params(expires_at=str(NOW + 1800)), now=NOW)
    assert session.amount_total == 3000
    assert store.expire_due(now=NOW + 1799) == 0
    assert store.expire_due(now=NOW + 1800) == 1
    assert store.session(session.id, now=NOW + 1800).status == "expired"
    events, _ = EventLog(db).latest(type=None, limit=10)
    assert [e.type for e in events] == ["checkout.session.expired"]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"expires_at": str(NOW + 60)}, "expires_at"),
        ({"expires_at": str(NOW + 25 * 3600)}, "expires_at"),
        ({"mode": "subscription"}, "mode"),
        ({"payment_method_types": ["card", "sepa_debit"]}, "payment_method_types"),
        ({"line_items": [{"price": "price_1", "quantity": "1"}]}, "line_items[0][price]"),
        ({"success_url": ""}, "success_url"),
    ],
)
def test_invalid_sessions_name_the_bad_parameter(
    store: SandboxStore, db: Database, extra: dict[str, Any], param: str
) -> None:
    with pytest.raises(SandboxError) as refused:
        store.create_session(session_params(**extra), now=NOW)
    assert refused.value.param == param
    with db.reader() as session:
        assert session.query(SandboxCheckoutSession).count() == 0


def test_partial_refunds_add_up_to_the_payment_and_no_further(store: SandboxStore) -> None:
    session = store.create_session(session_params(), now=NOW)
    with pytest.raises(CardDeclined):
        store.pay(session.id, number="4000000000000002", name=None, email=None, now=NOW)
    intent = store.session(session.id, now=NOW).payment_intent
    assert intent is not None
    declined = store.payment_intent(intent)
    assert declined.last_error is not None
    assert declined.last_error.reason == "generic_decline"
    with pytest.raises(SandboxError):  # nothing was charged yet
        store.create_refund({"payment_intent": intent}, now=NOW)
    store.pay(session.id, number="4242424242424242", name="Ada", email=None, now=NOW)
    assert store.create_refund({"payment_intent": intent, "amount": "1000"}, now=NOW).amount == 1000
    with pytest.raises(SandboxError) as too_much:
        store.create_refund({"payment_intent": intent, "amount": "2001"}, now=NOW)
    assert too_much.value.code == "amount_too_large"
    assert store.create_refund({"payment_intent": intent}, now=NOW).amount == 2000
    with pytest.raises(SandboxError) as done:
        store.create_refund({"payment_intent": intent}, now=NOW)
    assert done.value.code == "charge_already_refunded"
    assert store.payment_intent(intent).amount_refunded == 3000


def race(count: int, action: Callable[[int], object]) -> list[object]:
    """Run ``action(i)`` in ``count`` threads released at once; their results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def two_processes(db: Database) -> list[SandboxStore]:
    """Two stores on two engines of the same database, as two worker processes would have."""
    return [SandboxStore(db=Database(db.url), pay_base_url="http://sandbox.test") for _ in range(2)]


def test_paying_and_expiring_at_once_ends_one_way_only(db: Database) -> None:
    stores = two_processes(db)
    for _ in range(5):
        session = stores[0].create_session(session_params(), now=NOW)

        def act(i: int, session_id: str = session.id) -> object:
            if i == 0:
                return stores[0].pay(
                    session_id, number="4242424242424242", name=None, email=None, now=NOW
                )
            return stores[1].expire_session(session_id, now=NOW, request={})

        outcomes = race(2, act)
        failures = [o for o in outcomes if isinstance(o, SandboxError)]
        assert len(failures) == 1, outcomes
        final = stores[0].session(session.id, now=NOW)
        assert final.status in ("complete", "expired")
    events, _ = EventLog(db).latest(type=None, limit=100)
    assert len(events) == 5  # one event per session: completed or expired, never both
    for store in stores:
        store.db.dispose()


def test_due_sessions_are_expired_by_exactly_one_process(db: Database) -> None:
    stores = two_processes(db)
    ids = [
        stores[0].create_session(session_params(expires_at=str(NOW + 1800)), now=NOW).id
        for _ in range(20)
    ]
    counts = race(4, lambda i: stores[i % 2].expire_due(now=NOW + 1800, limit=7))
    counts += [stores[0].expire_due(now=NOW + 1800) for _ in range(3)]
    assert sum(c for c in counts if isinstance(c, int)) == 20, counts
    events, _ = EventLog(db).latest(type="checkout.session.expired", limit=100)
    assert sorted(e.object["id"] for e in events) == sorted(ids)
    for store in stores:
        store.db.dispose()


def test_a_delivery_is_claimed_by_one_sender_at_a_time_and_again_after_its_lease(
    db: Database,
) -> None:
    store = SandboxStore(db=db, pay_base_url="http://sandbox.test")
    for _ in range(6):
        session = store.create_session(session_params(), now=NOW)
        store.expire_session(session.id, now=NOW, request={})
    logs = [EventLog(Database(db.url)) for _ in range(2)]
    now = time.time() + 1
    claims = race(8, lambda i: logs[i % 2].claim(now=now, lease=30))
    taken = [c.event.id for c in claims if isinstance(c, Claimed)]
    assert len(taken) == len(set(taken)) == 6, claims
    assert logs[0].claim(now=now, lease=30) is None  # all leased
    again = logs[1].claim(now=now + 31, lease=30)  # a sender that died: its lease ran out
    assert again is not None
    assert again.attempt == 2
    for log in logs:
        log.db.dispose()
