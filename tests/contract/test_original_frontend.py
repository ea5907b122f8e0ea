"""The original front end's requests, replayed against ``seatguard auth`` and ``seatguard booking``.

Two real processes on two ports over one database, configured with the original's environment
names. Every call carries ``X-Internal-Secret`` and ``Authorization`` as the front end sends them;
each check reads exactly the fields the front end reads.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from seatguard.booking.seed import seed_demo
from seatguard.common.clock import system_clock
from seatguard.common.db import Database
from seatguard.settings import SANDBOX_SECRET_KEY, Settings
from tests.conftest import BACKENDS, TEST_SECRET, wipe
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

FRONT = "http://localhost:4200"
INTERNAL = {"X-Internal-Secret": "shared-internal-secret-of-the-original"}
PASSWORD = "Concierto#2028"


@dataclass(frozen=True)
class Services:
    auth: str
    booking: str


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def services(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    """One auth and one booking process per backend, shared by this module's tests."""
    fixture = "sqlite_url" if backend == "sqlite" else "postgres_url"
    url = str(request.getfixturevalue(fixture))
    settings = Settings(env="test", database_url=url, jwt_secret=TEST_SECRET)
    tmp_path = tmp_path_factory.mktemp("contract")
    db = Database(url)
    wipe(db)
    with db.unit_of_work() as session:
        seed_demo(session, now=system_clock())
    db.dispose()
    shared = {"DB_URL": settings.database_url, "MY_FRONTEND_URL": FRONT}
    booking_port = free_port()
    booking_base = f"http://127.0.0.1:{booking_port}"
    auth_env = {**shared, "SECRET_JWT": settings.jwt_secret}
    booking_env = {
        **shared,
        "JWT_SECRET": settings.jwt_secret,
        "STRIPE_SUCCESS_URL": FRONT,  # a bare base, as the original's deployments set it
        "PUBLIC_BASE_URL": booking_base,
        "TICKET_KEY_FILE": str(tmp_path / "ticket-key.pem"),
        "EMAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    with (
        seatguard_process(["auth"], env=auth_env) as auth,
        seatguard_process(["booking"], env=booking_env, port=booking_port) as booking,
    ):
        yield Services(auth=auth, booking=booking)


def front_headers(token: str | None) -> dict[str, str]:
    """What the front end's interceptor adds to every request (``null`` before login)."""
    return {**INTERNAL, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def token_payload(token: str) -> dict[str, object]:
    """The front end decodes the payload without verifying it, to read ``id``."""
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def test_the_front_end_journey(services: Services):
    with (
        httpx.Client(base_url=services.auth, timeout=30) as auth,
        httpx.Client(base_url=services.booking, timeout=60) as booking,
    ):
        journey(services, auth, booking)


def journey(services: Services, auth: httpx.Client, booking: httpx.Client) -> None:
    email = f"fan-{uuid.uuid4().hex[:8]}@example.com"

    # Register and log in on the auth service.
    registered = auth.post(
        "/auth/register",
        json={"email": email, "password": PASSWORD, "name": "Ana Peña"},
        headers=front_headers(None),
    )
    assert registered.status_code == 201, registered.text
    assert {"id", "email", "name", "createdAt"} <= registered.json().keys()
    login = auth.post(
        "/auth/login", json={"email": email, "password": PASSWORD}, headers=front_headers(None)
    )
    assert login.status_code == 200  # the original said 201; the client reads only the body
    token = login.json()["access_token"]
    user_id = token_payload(token)["id"]
    assert user_id == registered.json()["id"]
    wrong = auth.post(
        "/auth/login", json={"email": email, "password": "Nope#2028x"}, headers=front_headers(None)
    )
    assert wrong.status_code == 401
    assert wrong.json()["message"]
    headers = front_headers(token)

    # Browse, search by genre, open an event.
    events = booking.get("/api/v1/events", headers=headers).json()
    assert isinstance(events, list)
    assert events
    for event in events:
        assert {"id", "name", "description", "location", "date", "posterUrl", "gender"} <= set(
            event
        )
        assert datetime.fromisoformat(event["date"]).tzinfo is not None  # ISO 8601
    rock = booking.get("/api/v1/events", params={"gender": "ROCK"}, headers=headers).json()
    assert rock
    assert {e["gender"] for e in rock} == {"ROCK"}
    by_name = booking.get("/api/v1/events", params={"name": "rock"}, headers=headers).json()
    assert by_name
    assert all("rock" in e["name"].lower() for e in by_name)
    place = events[0]["location"].split(",")[0][2:].upper()
    at_place = booking.get("/api/v1/events", params={"location": place}, headers=headers).json()
    assert events[0]["id"] in {e["id"] for e in at_place}
    detail = booking.get(f"/api/v1/events/{rock[0]['id']}", headers=headers).json()
    assert detail["id"] == rock[0]["id"]
    free = [s for s in detail["seats"] if s["status"] == "AVAILABLE"]
    for seat in detail["seats"]:
        assert seat["section"] in ("VIP", "PLATEA", "GENERAL")
        assert isinstance(seat["number"], str)
        assert isinstance(seat["price"], (int, float))
    chosen = free[:2]

    # Check out without ever calling the hold endpoint.
    body = {
        "userId": user_id,
        "currency": "USD",
        "items": [
            {"name": detail["name"], "amount": 1, "seatIds": {"id": s["id"]}} for s in chosen
        ],
    }
    checkout = booking.post("/api/v1/stripe/create/checkout/session", json=body, headers=headers)
    assert checkout.is_success, checkout.text
    answer = checkout.json()
    assert answer["url"].startswith("http")
    order_id = answer["dataCheckout"]["orderBookingId"]
    assert answer["orderId"] == order_id
    assert answer["dataCheckout"]["userId"] == user_id
    assert answer["dataCheckout"]["currency"].lower() == "usd"
    checked_out = {i["seatIds"]["id"] for i in answer["dataCheckout"]["items"]}
    assert checked_out == {s["id"] for s in chosen}
    expected_amount = round(sum(s["price"] for s in chosen) * 100)

    # The gateway was told to return the buyer to the original's page.
    session = httpx.get(
        f"{services.booking}/sandbox/stripe/v1/checkout/sessions/{answer['sessionId']}",
        headers={"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"},
    ).json()
    success = urlsplit(session["success_url"])
    assert f"{success.scheme}://{success.netloc}{success.path}" == (
        f"{FRONT}/dentro/checkout/success"
    )
    assert parse_qs(success.query)["order_id"] == [order_id]

    # The seats are now held for this buyer.
    again = booking.get(f"/api/v1/events/{rock[0]['id']}", headers=headers).json()
    held = {s["id"]: s["status"] for s in again["seats"]}
    assert {held[s["id"]] for s in chosen} == {"LOCKED"}

    # The order, the user's orders and the checkout summary.
    order = booking.get(f"/api/v1/booking-orders/{order_id}", headers=headers).json()
    assert (order["id"], order["status"], order["amount"]) == (order_id, "PENDING", expected_amount)
    assert order["eventName"] == detail["name"]
    assert {"eventHour", "createdAt", "paymentProviderId"} <= order.keys()
    assert order["paymentProviderId"] == answer["sessionId"]
    assert {i["id"] for i in order["items"]} == {s["id"] for s in chosen}
    for item in order["items"]:
        assert {"id", "section", "number", "price", "status", "updatedAt", "eventHour"} <= set(item)
    mine = booking.get(f"/api/v1/booking-orders/user/{user_id}", headers=headers).json()
    assert [o["id"] for o in mine] == [order_id]
    summary = booking.get(f"/api/v1/checkouts/{order_id}", headers=headers).json()
    assert {"customerName", "customerEmail", "paymentProvider", "amount"} <= summary.keys()
    assert summary["amount"] == expected_amount

    # The shared header alone opens nothing.
    alone = booking.get(f"/api/v1/booking-orders/user/{user_id}", headers=INTERNAL)
    assert alone.status_code == 401
    assert alone.json()["message"]


@pytest.mark.parametrize("service", ["auth", "booking"])
def test_cors_preflight_from_the_front_end(services: Services, service: str):
    base = services.auth if service == "auth" else services.booking
    path = "/auth/login" if service == "auth" else "/api/v1/stripe/create/checkout/session"
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-internal-secret",
    }
    allowed = httpx.options(base + path, headers={"Origin": FRONT, **asked})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == FRONT
    granted = {
        h.strip().lower() for h in allowed.headers["access-control-allow-headers"].split(",")
    }
    assert {"authorization", "content-type", "x-internal-secret"} <= granted

    stranger = httpx.options(base + path, headers={"Origin": "https://evil.example", **asked})
    assert "access-control-allow-origin" not in stranger.headers
    simple = httpx.get(base + "/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers
