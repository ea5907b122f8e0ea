"""The original's ``X-Internal-Secret`` header is accepted and grants nothing, on every route."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from seatguard.auth.app import create_auth_app

# Public by design, with what they answer to a header-only caller with an empty body.
PUBLIC: dict[tuple[str, str], set[int]] = {
    ("GET", "/openapi.json"): {200},
    ("GET", "/docs"): {200},
    ("GET", "/docs/oauth2-redirect"): {200},
    ("GET", "/redoc"): {200},
    ("GET", "/metrics"): {200},
    ("GET", "/ready"): {200, 503},
    ("GET", "/health"): {200},
    ("GET", "/api/v1/health"): {200},
    ("GET", "/api/v1/events"): {200},
    ("GET", "/api/v1/events/{event_id}"): {404},
    ("GET", "/api/v1/events/{event_id}/seats"): {404},
    ("GET", "/api/v1/seats/{seat_id}"): {404},
    ("GET", "/api/v1/tickets/public-key"): {200},
    ("POST", "/api/v1/stripe/webhook"): {400},  # no signature, nothing recorded
    ("POST", "/api/v1/sqs/messaging"): {400},
    ("POST", "/auth/register"): {422},
    ("POST", "/auth/login"): {422},
    ("GET", "/.well-known/jwks.json"): {200},
    ("GET", "/api/v1/events/{event_id}/seats/stream"): {404},  # seat map updates
    # The buyer's pages: HTML shells; their data comes from the API with a bearer token.
    ("GET", "/"): {200},
    ("GET", "/login"): {200},
    ("GET", "/signup"): {200},
    ("GET", "/events/{event_id}"): {404},
    ("GET", "/checkout/success"): {200},
    ("GET", "/checkout/cancel"): {200},
    ("GET", "/my/tickets"): {200},
    ("GET", "/staff/check-in"): {200},
    ("GET", "/favicon.ico"): {200},
    ("GET", "/lang/{code}"): {422},  # the language switcher (an unknown code here)
    ("POST", "/lang/{code}"): {422},
    # The back office's pages: shells too; every figure comes from an admin-only API route.
    ("GET", "/admin"): {200},
    ("GET", "/admin/events/new"): {200},
    ("GET", "/admin/events/{event_id}"): {200},
    ("GET", "/admin/orders"): {200},
    ("GET", "/admin/audit"): {200},
    ("GET", "/admin/staff"): {200},
    ("GET", "/admin/orders/{order_id}"): {200},
    ("GET", "/admin/events/{event_id}/door"): {200},
    ("GET", "/admin/events/{event_id}/waiting-list"): {200},
    ("GET", "/invite/{token}"): {400},  # the page says the link is not valid
    ("POST", "/auth/invitations/accept"): {422},  # the invitation's token is the credential
}


def walk(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every (method, path) the app serves, including routes hidden from the schema."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from walk(inner.routes, prefix + route.include_context.prefix)
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                yield method, prefix + route.path


def fill(path: str) -> str:
    parts = path.split("/")
    return "/".join(str(uuid.uuid4()) if p.startswith("{") else p for p in parts)


def sweep(app: FastAPI, secret: str) -> set[tuple[str, str]]:
    """Call every route with only the header; return the protected ones exercised."""
    seen = set(walk(app.routes))
    assert ("GET", "/health") in seen
    assert len(seen) > 5, "the route walk found almost nothing"
    protected = seen - set(PUBLIC)
    headers = {"X-Internal-Secret": secret}
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path in sorted(seen):
            body: dict[str, object] | None = {} if method in ("POST", "PUT", "PATCH") else None
            response = client.request(method, fill(path), headers=headers, json=body)
            if (method, path) in PUBLIC:
                assert response.status_code in PUBLIC[method, path], (method, path)
                continue
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["error"] in ("missing_token", "unauthorized")
    return protected


@pytest.mark.parametrize("secret", ["internal-shared-secret", "SAME-AS-JWT"])
def test_the_header_alone_gets_401_on_every_protected_route(app_client, settings, secret):
    value = settings.jwt_secret if secret == "SAME-AS-JWT" else secret
    protected = sweep(app_client.app, value)
    # The routes a client of the original reached with the header alone are all among them.
    for expected in (
        ("POST", "/api/v1/stripe/create/checkout/session"),
        ("GET", "/api/v1/booking-orders/user/{user_id}"),
        ("GET", "/api/v1/booking-orders/{order_id}"),
        ("GET", "/api/v1/checkouts/{order_id}"),
        ("GET", "/api/v1/tickets/{order_id}/download"),
        ("PATCH", "/api/v1/seats/lock/{seat_id}/uid/{uid}"),
        ("PATCH", "/api/v1/seats/{seat_id}"),
        ("POST", "/api/v1/events"),
        ("DELETE", "/api/v1/events/{event_id}"),
        ("GET", "/auth/me"),
    ):
        assert expected in protected


def test_the_auth_service_alone_ignores_it_too(db, settings):
    protected = sweep(create_auth_app(settings, db=db), "internal-shared-secret")
    assert protected == {("GET", "/auth/me"), ("PATCH", "/auth/me")}


def test_every_public_route_listed_still_exists(app_client):
    served = set(walk(app_client.app.routes))
    assert set(PUBLIC) <= served
