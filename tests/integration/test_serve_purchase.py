"""A fresh ``seatguard serve`` process: hold, check out, pay with 4242, see the order COMPLETED.

Nothing else is started by hand: the sandbox gateway, the webhook, the queue, the worker and
the sweeper all run inside the one process. Once with the database queue, once with SQS.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from seatguard.common.security import mint_token
from seatguard.queue.sqs_queue import ensure_queues
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

CARD = {
    "card_number": "4242 4242 4242 4242",
    "exp_month": "12",
    "exp_year": "2034",
    "cvc": "123",
    "cardholder": "Ada Lovelace",
}


def buy_a_seat(base: str, token: str) -> dict:
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=auth, timeout=30) as client:
        event = client.get("/api/v1/events", params={"limit": 1}).json()[0]
        seats = client.get(f"/api/v1/events/{event['id']}/seats").json()
        free = [s["id"] for s in seats if s["status"] == "AVAILABLE"][:2]
        assert client.post("/api/v1/seats/lock", json={"seatIds": free}).status_code == 200
        started = client.post(
            "/api/v1/stripe/create/checkout/session",
            json={"currency": "usd", "items": [{"seatIds": free}]},
        )
        assert started.status_code == 201, started.text
        body = started.json()
        assert body["url"].startswith(base + "/sandbox/stripe/pay/")
        page = client.get(body["url"])
        assert page.status_code == 200
        paid = client.post(body["url"], data=CARD, follow_redirects=False)
        assert paid.status_code == 303, paid.text
        deadline = time.monotonic() + 30
        while True:
            order = client.get(f"/api/v1/booking-orders/{body['orderId']}").json()
            if order["status"] != "PENDING" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        seat_map = {
            s["id"]: s["status"] for s in client.get(f"/api/v1/events/{event['id']}/seats").json()
        }
        tickets = client.get(f"/api/v1/tickets/{body['orderId']}")
    return {"order": order, "seats": [seat_map[s] for s in free], "tickets": tickets}


@pytest.mark.parametrize("queue", ["db", "sqs"])
def test_fresh_serve_sells_a_seat_end_to_end(queue, db, database_url, tmp_path, request):
    # `db` empties the database first, so `serve` seeds its demo events.
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "JWT_SECRET": "serve-test-secret-0123456789abcdef",
        "EMAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "TICKET_KEY_FILE": str(tmp_path / "ticket.pem"),
        "SWEEP_INTERVAL": "0.5",
    }
    if queue == "sqs":
        endpoint = request.getfixturevalue("sqs_endpoint")
        url, _dlq = ensure_queues(
            f"serve-{uuid.uuid4().hex[:8]}", region="us-east-1", endpoint_url=endpoint
        )
        env |= {"QUEUE_URL": url, "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1"}
    from seatguard.settings import Settings

    token = mint_token(
        Settings(jwt_secret=env["JWT_SECRET"]), user_id="buyer-1", email="buyer@example.com"
    )
    with seatguard_process(["serve"], env=env, port=port) as base:
        result = buy_a_seat(base, token)
    assert result["order"]["status"] == "COMPLETED", result["order"]
    assert result["seats"] == ["SOLD", "SOLD"]
    assert result["tickets"].status_code == 200
    assert len(result["tickets"].json()) == 2
    emails = list((tmp_path / "outbox").glob("*.eml"))
    assert len(emails) == 1
