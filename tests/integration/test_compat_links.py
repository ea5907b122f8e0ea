"""Ticket download links a browser tab opens without headers: signed, expiring, one order."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from pypdf import PdfReader

from seatguard.app import create_app
from seatguard.common.errors import Forbidden
from seatguard.settings import Settings
from seatguard.tickets.keys import private_key_pem
from seatguard.tickets.links import download_token, sign_download_link, verify_download_token
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()
NOW = datetime(2028, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"ticket_signing_key": private_key_pem(KEY)})


def _path_and_token(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)["token"][0]


def test_a_link_opens_its_order_until_it_expires() -> None:
    settings = Settings(env="test", jwt_secret="s" * 40, public_base_url="https://tickets.example/")
    order_id = uuid.uuid4()
    url = sign_download_link(order_id, NOW, settings)
    path, token = _path_and_token(url)
    assert url.startswith("https://tickets.example/api/v1/tickets/")
    assert path == f"/api/v1/tickets/{order_id}/download"
    verify_download_token(token, order_id, NOW + timedelta(hours=23, minutes=59), settings)

    with pytest.raises(Forbidden) as expired:
        verify_download_token(token, order_id, NOW + timedelta(hours=24), settings)
    assert expired.value.code == "download_link_expired"
    for bad_order, bad_token in (
        (uuid.uuid4(), token),  # another order
        (order_id, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),  # forged mac
        (order_id, f"{int(NOW.timestamp()) + 10**6}.{token.split('.')[1]}"),  # stretched expiry
        (order_id, "not-a-token"),
        (order_id, ""),
    ):
        with pytest.raises(Forbidden) as refused:
            verify_download_token(bad_token, bad_order, NOW, settings)
        assert refused.value.code == "invalid_download_link"


def test_the_key_comes_from_the_dedicated_secret_or_the_jwt_secret() -> None:
    order_id = uuid.uuid4()
    plain = Settings(env="test", jwt_secret="a" * 40)
    other_jwt = Settings(env="test", jwt_secret="b" * 40)
    dedicated = Settings(env="test", jwt_secret="a" * 40, ticket_link_secret="links-" + "x" * 30)
    short = Settings(env="test", jwt_secret="a" * 40, ticket_link_ttl="10m")
    token = download_token(order_id, NOW, plain)
    assert token != download_token(order_id, NOW, other_jwt)
    assert token != download_token(order_id, NOW, dedicated)
    with pytest.raises(Forbidden):
        verify_download_token(token, order_id, NOW, dedicated)
    verify_download_token(download_token(order_id, NOW, dedicated), order_id, NOW, dedicated)
    with pytest.raises(Forbidden):
        verify_download_token(
            download_token(order_id, NOW, short), order_id, NOW + timedelta(minutes=11), short
        )


def test_paid_orders_carry_a_download_url_that_works_without_headers(
    app_client, db, clock, auth_header
):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2, user_id="alice")
    pending = make_paid_order(
        db, now=clock(), private_key=KEY, seats=1, user_id="alice", status="PENDING",
        with_tickets=False,
    )  # fmt: skip
    alice = auth_header("alice")

    order = app_client.get(f"/api/v1/booking-orders/{paid.order_id}", headers=alice).json()
    path, token = _path_and_token(order["downloadUrl"])
    assert path == f"/api/v1/tickets/{paid.order_id}/download"
    listed = app_client.get("/api/v1/booking-orders/user/alice", headers=alice).json()
    by_id = {o["id"]: o for o in listed}
    assert by_id[str(paid.order_id)]["downloadUrl"]
    assert by_id[str(pending.order_id)]["downloadUrl"] is None

    pdf = app_client.get(path, params={"token": token})  # a new tab: no Authorization
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 2

    bare = app_client.get(path)
    assert (bare.status_code, bare.json()["error"]) == (401, "missing_token")
    other = make_paid_order(db, now=clock(), private_key=KEY, seats=1, user_id="bob")
    stolen = app_client.get(f"/api/v1/tickets/{other.order_id}/download", params={"token": token})
    assert (stolen.status_code, stolen.json()["error"]) == (403, "invalid_download_link")
    internal = app_client.get(path, headers={"X-Internal-Secret": "anything"})
    assert internal.status_code == 401

    clock.advance(hours=24, seconds=1)
    late = app_client.get(path, params={"token": token})
    assert (late.status_code, late.json()["error"]) == (403, "download_link_expired")
    assert app_client.get(path, headers=alice).status_code == 200  # the owner still can
    fresh = app_client.get(f"/api/v1/booking-orders/{paid.order_id}", headers=alice).json()
    fresh_path, fresh_token = _path_and_token(fresh["downloadUrl"])
    assert app_client.get(fresh_path, params={"token": fresh_token}).status_code == 200
    bob = app_client.get(path, params={"token": "1.x"}, headers=auth_header("bob"))
    assert bob.status_code == 403


def test_public_ticket_links_mode_serves_anyone_and_warns(
    settings, db, clock, caplog: pytest.LogCaptureFixture
):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1, user_id="alice")
    path = f"/api/v1/tickets/{paid.order_id}/download"
    with caplog.at_level(logging.WARNING, logger="seatguard.compat"):
        public = settings.model_copy(update={"public_ticket_links": True})
        app = create_app(public, db=db, clock=clock)
    assert any("PUBLIC_TICKET_LINKS" in r.getMessage() for r in caplog.records)
    with TestClient(app) as client:
        assert client.get(path).status_code == 200
        forged = client.get(path, params={"token": "1.forged"})
        assert forged.status_code == 403  # a link that is presented is still checked
        assert client.get(f"/api/v1/tickets/{uuid.uuid4()}/download").status_code == 404
