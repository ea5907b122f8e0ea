"""Operations over HTTP on the real app: metrics, request ids into logs and the queue, /ready."""

from __future__ import annotations

import io
import json
import logging
import os
import time
from contextlib import ExitStack

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from seatguard.app import create_app
from seatguard.auth import migrate as auth_migrate
from seatguard.common import migrate as booking_migrate
from seatguard.common.db import Database
from seatguard.common.logging import JsonFormatter, RequestIdFilter, current_request_id
from seatguard.payments.webhooks import sign_payload
from seatguard.settings import Settings
from seatguard.worker.runner import dispatch
from tests.support.factories import make_event
from tests.support.postgres import scratch_database


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(metrics, name: str, **labels: str) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_holds_and_report_the_queue(app_client, auth_header, db, clock):
    _, seats = make_event(db, now=clock())
    before = samples(app_client.get("/metrics").text)
    route = "/api/v1/seats/lock/{seat_id}/uid/{uid}"

    app_client.get("/api/v1/events")
    taken = app_client.post(
        f"/api/v1/seats/lock/{seats[0]}/uid/alice", headers=auth_header("alice")
    )
    refused = app_client.post(f"/api/v1/seats/lock/{seats[0]}/uid/bob", headers=auth_header("bob"))
    assert (taken.status_code, refused.status_code) == (200, 409)
    app_client.get("/no/such/page")

    response = app_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("seatguard_http_requests_total", method="GET", route="/api/v1/events", status="200")
    assert grew("seatguard_http_requests_total", method="POST", route=route, status="200") == 1
    assert grew("seatguard_http_requests_total", method="POST", route=route, status="409") == 1
    assert grew("seatguard_http_requests_total", method="GET", route="<unmatched>", status="404")
    assert grew("seatguard_http_request_duration_seconds_count", method="POST", route=route) == 2
    assert grew("seatguard_holds_total", outcome="taken") == 1
    assert grew("seatguard_holds_total", outcome="refused") == 1
    assert not any(str(seats[0]) in dict(labels).get("route", "") for _, labels in after)
    for name in ("seatguard_seats_sold_total", "seatguard_fulfilment_failures_total"):
        assert (name, frozenset()) in after
    assert value(after, "seatguard_queue_up") == 1
    assert value(after, "seatguard_queue_depth", state="ready") == 0
    assert ("seatguard_queue_dead_letters", frozenset()) in after


def test_request_ids_are_echoed_and_generated(app_client):
    given = app_client.get("/health", headers={"X-Request-ID": "trace-abc-1"})
    assert given.headers["X-Request-ID"] == "trace-abc-1"
    fresh = [app_client.get("/health").headers["X-Request-ID"] for _ in range(2)]
    assert fresh[0] != fresh[1]
    assert all(len(rid) == 32 for rid in fresh)
    unsafe = app_client.get("/health", headers={"X-Request-ID": "a b"})
    assert unsafe.headers["X-Request-ID"] != "a b"


def test_log_lines_of_a_request_carry_its_id(app_client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("seatguard")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        forged = app_client.post(
            "/api/v1/stripe/webhook",
            content=b"{}",
            headers={"X-Request-ID": "req-log-1", "Stripe-Signature": "t=1,v1=00"},
        )
        app_client.get("/api/v1/events/not-a-uuid", headers={"X-Request-ID": "req-log-2"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert forged.status_code == 400
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = {line["request_id"]: line for line in lines if line["logger"] == "seatguard.access"}
    assert access["req-log-1"]["status"] == 400
    assert access["req-log-1"]["route"] == "/api/v1/stripe/webhook"
    assert access["req-log-2"]["status"] == 422
    assert {line["request_id"] for line in lines} == {"req-log-1", "req-log-2"}


def test_the_request_id_travels_from_the_webhook_into_the_queue_message(app_client, settings):
    event = {
        "id": "evt_ops_1",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_ops_1", "object": "checkout.session"}},
    }
    payload = json.dumps(event).encode()
    signature = sign_payload(payload, settings.stripe_webhook_secret, int(time.time()))
    response = app_client.post(
        "/api/v1/stripe/webhook",
        content=payload,
        headers={"Stripe-Signature": signature, "X-Request-ID": "req-webhook-7"},
    )
    assert response.status_code == 200
    queue = app_client.app.state.services.queue
    messages = queue.receive(max_messages=5, wait_seconds=0)
    assert [m.body for m in messages] == [
        {
            "type": "payment.checkout_completed",
            "session_id": "cs_ops_1",
            "event_id": "evt_ops_1",
            "request_id": "req-webhook-7",
        }
    ]
    seen: list[str | None] = []
    dispatch(
        {"payment.checkout_completed": lambda _b: seen.append(current_request_id())},
        messages[0].body,
    )
    assert seen == ["req-webhook-7"]


def test_ready_answers_200_when_the_database_and_queue_answer(app_client):
    response = app_client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "queue": "ok",
    }
    assert app_client.get("/health").status_code == 200


def test_ready_answers_503_naming_the_database_when_it_cannot_connect(tmp_path):
    missing = tmp_path / "no-such-dir" / "seatguard.db"  # SQLite cannot create it
    settings = Settings(env="test", database_url=f"sqlite:///{missing}", jwt_secret="x" * 40)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/ready")
        alive = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "down"
    assert "database" in body["failed"]
    assert response.headers["Retry-After"]
    # Liveness does not depend on the database: an outage must not restart the process.
    assert alive.status_code == 200
    assert alive.json() == {"status": "ok"}


def test_ready_answers_503_until_every_migration_tree_is_at_head(backend, tmp_path, request):
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'unmigrated.db'}"
        else:
            url = stack.enter_context(
                scratch_database(request.getfixturevalue("postgres_url"), f"ready_{os.getpid()}")
            )
        settings = Settings(env="test", database_url=url, jwt_secret="x" * 40)
        booking_migrate.upgrade(url, "0002")  # one release behind, auth tree missing
        for step in ("behind", "booking at head", "both at head"):
            if step == "booking at head":
                booking_migrate.upgrade(url)
            elif step == "both at head":
                auth_migrate.upgrade(url)
            db = Database(url)
            try:
                with TestClient(create_app(settings, db=db)) as client:
                    response = client.get("/ready")
                    alive = client.get("/health")
            finally:
                db.dispose()
            assert alive.status_code == 200, step
            if step == "both at head":
                assert response.status_code == 200, response.text
            else:
                assert response.status_code == 503, step
                assert response.json()["database"] == "ok"
                assert response.json()["failed"] == ["migrations"]


def test_ready_names_the_queue_when_only_the_queue_is_down(app_client, database_url, db):
    settings = Settings(
        env="test",
        database_url=database_url,
        jwt_secret="x" * 40,
        queue_url="http://127.0.0.1:9/000000000000/nowhere",
        aws_endpoint_url="http://127.0.0.1:9",
    )
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as client:
        response = client.get("/ready")
        metrics = samples(client.get("/metrics").text)
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["failed"] == ["queue"]
    assert value(metrics, "seatguard_queue_up") == 0
