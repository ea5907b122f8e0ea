"""Staff accounts from the back office: invite, set a password, roles, revocation, audit."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from seatguard.app import create_app
from seatguard.auth import service
from seatguard.auth.passwords import Passwords
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.security import Role
from seatguard.settings import Settings
from seatguard.tickets.keys import private_key_pem
from tests.support.tickets import make_paid_order

FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
KEY = Ed25519PrivateKey.generate()
TTL = 20
ADMIN = "olga.organizer@example.com"
DOOR = "diego.door@example.com"
PASSWORD = "violet harbour lantern 42"
NEW_PASSWORD = "copper meadow whistle 77"
ADMIN_ROUTES = [
    ("get", "/api/v1/admin/staff", None),
    ("post", "/api/v1/admin/staff/invitations", {"email": "x@example.com", "role": "staff"}),
    ("put", "/api/v1/admin/staff/{uid}/role", {"role": "admin"}),
    ("post", "/api/v1/admin/staff/{uid}/revoke", None),
    ("get", "/api/v1/admin/events/{eid}/door", None),
]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def cached(settings: Settings, outbox: Path) -> Settings:
    return settings.model_copy(
        update={
            "role_cache_seconds": TTL,
            "email_outbox_dir": str(outbox),
            "smtp_host": None,
            "ticket_signing_key": private_key_pem(KEY),
            "public_base_url": "http://door.test",
        }
    )


@pytest.fixture
def client(cached: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(cached, db=db, clock=clock)
    app.state.passwords = FAST
    with TestClient(app) as client:
        yield client


def log_in(client: TestClient, address: str, password: str = PASSWORD) -> dict[str, str]:
    answer = client.post("/auth/login", json={"email": address, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def admin(client: TestClient, db: Database, clock: FrozenClock) -> dict[str, str]:
    assert client.post("/auth/register", json={"email": ADMIN, "password": PASSWORD}).is_success
    service.set_role(db, email=ADMIN, role=Role.ADMIN, now=clock())
    return log_in(client, ADMIN)


def invitation_link(outbox: Path, address: str) -> str:
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        if message["To"] == address:
            text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            return next(w for w in text.split() if w.startswith("http://door.test/invite/"))
    raise AssertionError(f"no invitation for {address} in {outbox}")


def invite(client: TestClient, admin: dict[str, str], address: str, role: str = "staff") -> dict:
    answer = client.post(
        "/api/v1/admin/staff/invitations", json={"email": address, "role": role}, headers=admin
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def audit_of(client: TestClient, admin: dict[str, str], user_id: str) -> list[dict]:
    answer = client.get(f"/api/v1/admin/audit?targetId={user_id}", headers=admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_invite_set_password_log_in_as_staff_and_admit(client, admin, db, clock, outbox):
    invited = invite(client, admin, DOOR)
    assert invited["created"] is True
    assert invited["member"]["role"] == "staff"
    token = invitation_link(outbox, DOOR).rsplit("/", 1)[1]
    # the invited account cannot log in before it chooses a password
    refused = client.post("/auth/login", json={"email": DOOR, "password": "!unset:"})
    assert refused.status_code == 401
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200
    assert DOOR in page.text
    accepted = client.post("/auth/invitations/accept", json={"token": token, "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    again = client.post("/auth/invitations/accept", json={"token": token, "password": NEW_PASSWORD})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_invitation"
    assert client.get(f"/invite/{token}").status_code == 400  # the page says so too
    staff = log_in(client, DOOR)
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    code = next(iter(paid.codes.values()))
    admitted = client.post(
        "/api/v1/tickets/check-in",
        json={"code": code, "eventId": str(paid.event_id)},
        headers=staff,
    )
    assert admitted.status_code == 200, admitted.text
    for method, path, body in ADMIN_ROUTES:
        url = path.format(uid=invited["member"]["id"], eid=paid.event_id)
        assert client.request(method, url, json=body, headers=staff).status_code == 403, url
    listed = client.get("/api/v1/admin/staff", headers=admin).json()
    assert [m["email"] for m in listed] == [DOOR, ADMIN]
    (entry,) = audit_of(client, admin, invited["member"]["id"])
    assert entry["action"] == "user.role_changed"
    assert entry["details"] == {"email": DOOR, "from": None, "to": "staff", "invited": True}


def test_customers_and_staff_get_403_on_every_new_admin_route(client, auth_header, db, clock):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    for role in (Role.CUSTOMER, Role.STAFF):
        headers = auth_header("someone", role=role)
        for method, path, body in ADMIN_ROUTES:
            url = path.format(uid="someone", eid=paid.event_id)
            answer = client.request(method, url, json=body, headers=headers)
            assert answer.status_code == 403, (role, url, answer.text)
            assert answer.json()["error"] == "admin_only"
        assert client.get("/api/v1/admin/staff").status_code == 401


def test_an_expired_or_forged_invitation_is_refused(client, admin, clock, outbox, cached):
    invite(client, admin, DOOR)
    token = invitation_link(outbox, DOOR).rsplit("/", 1)[1]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    bad = client.post("/auth/invitations/accept", json={"token": forged, "password": PASSWORD})
    assert bad.status_code == 400
    # an invitation is not an access token, and an access token is not an invitation
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    access = admin["Authorization"].split()[1]
    swapped = client.post("/auth/invitations/accept", json={"token": access, "password": PASSWORD})
    assert swapped.status_code == 400
    clock.advance(seconds=3 * 86400 + 1)
    late = client.post("/auth/invitations/accept", json={"token": token, "password": PASSWORD})
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_invitation"


def test_a_weak_password_is_refused_and_the_link_still_works(client, admin, outbox):
    invite(client, admin, DOOR)
    token = invitation_link(outbox, DOOR).rsplit("/", 1)[1]
    weak = client.post("/auth/invitations/accept", json={"token": token, "password": "short"})
    assert weak.status_code == 422
    ok = client.post("/auth/invitations/accept", json={"token": token, "password": PASSWORD})
    assert ok.status_code == 200, ok.text


def test_inviting_an_existing_customer_promotes_it_and_keeps_its_password(client, admin, outbox):
    assert client.post("/auth/register", json={"email": DOOR, "password": PASSWORD}).is_success
    invited = invite(client, admin, DOOR.upper(), role="admin")
    assert invited["created"] is False
    assert invited["member"]["role"] == "admin"
    assert log_in(client, DOOR)  # the password it had still works
    bad = client.post(
        "/api/v1/admin/staff/invitations", json={"email": DOOR, "role": "customer"}, headers=admin
    )
    assert bad.status_code == 422


def test_demote_and_revoke_take_effect_within_the_cache_time_and_are_audited(
    client, admin, clock, outbox
):
    member = invite(client, admin, DOOR, role="admin")["member"]
    token = invitation_link(outbox, DOOR).rsplit("/", 1)[1]
    client.post("/auth/invitations/accept", json={"token": token, "password": PASSWORD})
    second = log_in(client, DOOR)
    assert client.get("/api/v1/admin/staff", headers=second).status_code == 200
    clock.advance(seconds=1)  # the log is ordered by time
    demoted = client.put(
        f"/api/v1/admin/staff/{member['id']}/role", json={"role": "staff"}, headers=admin
    )
    assert demoted.status_code == 200
    assert demoted.json()["role"] == "staff"
    clock.advance(seconds=TTL)
    assert client.get("/api/v1/admin/staff", headers=second).status_code == 403
    revoked = client.post(f"/api/v1/admin/staff/{member['id']}/revoke", headers=admin)
    assert revoked.status_code == 200
    clock.advance(seconds=TTL)
    assert client.get("/auth/me", headers=second).status_code == 401
    entries = audit_of(client, admin, member["id"])
    assert [e["action"] for e in entries] == [
        "user.sessions_revoked",
        "user.role_changed",
        "user.role_changed",
    ]
    assert entries[1]["details"]["from"] == "admin"
    assert entries[1]["details"]["to"] == "staff"
    assert {e["actorRole"] for e in entries} == {"admin"}


def test_an_admin_cannot_change_its_own_role_and_unknown_ids_are_404(client, admin):
    me = client.get("/auth/me", headers=admin).json()
    own = client.put(
        f"/api/v1/admin/staff/{me['id']}/role", json={"role": "customer"}, headers=admin
    )
    assert own.status_code == 409
    for path in ("/api/v1/admin/staff/nobody/revoke",):
        assert client.post(path, headers=admin).status_code == 404
    assert (
        client.put(
            "/api/v1/admin/staff/nobody/role", json={"role": "staff"}, headers=admin
        ).status_code
        == 404
    )
    assert (
        client.put(
            "/api/v1/admin/staff/nobody/role", json={"role": "root"}, headers=admin
        ).status_code
        == 422
    )


def test_the_cli_set_role_is_audited_with_actor_cli(client, admin, cached, monkeypatch):
    from seatguard import settings as settings_module
    from seatguard.cli import app as cli

    assert client.post("/auth/register", json={"email": DOOR, "password": PASSWORD}).is_success
    monkeypatch.setattr(settings_module, "get_settings", lambda: cached)
    monkeypatch.setattr("seatguard.auth.cli.get_settings", lambda: cached)
    result = CliRunner().invoke(cli, ["users", "set-role", DOOR, "staff"])
    assert result.exit_code == 0, result.output
    user_id = client.get("/api/v1/admin/staff", headers=admin).json()[0]["id"]
    (entry,) = audit_of(client, admin, user_id)
    assert (entry["actorId"], entry["actorRole"], entry["action"]) == (
        "cli",
        "cli",
        "user.role_changed",
    )
    assert entry["details"] == {"email": DOOR, "from": "customer", "to": "staff"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_invitation_email_is_in_the_chosen_language(client, admin, outbox, language):
    answer = client.post(
        "/api/v1/admin/staff/invitations",
        json={"email": DOOR, "role": "staff", "language": language},
        headers=admin,
    )
    assert answer.status_code == 201
    (path,) = outbox.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert message["Content-Language"] == language
    subject = {"en": "choose a password", "es": "elegí una contraseña"}[language]
    assert subject in message["Subject"]


def test_the_invitation_page_speaks_the_visitors_language(client, admin, outbox):
    spanish = {"Accept-Language": "es", "Accept": "text/html"}
    broken = client.get("/invite/not-a-token", headers=spanish)
    assert broken.status_code == 400
    assert "Este enlace de invitación no es válido" in broken.text
    invite(client, admin, DOOR)
    token = invitation_link(outbox, DOOR).rsplit("/", 1)[1]
    page = client.get(f"/invite/{token}", headers=spanish)
    assert page.status_code == 200
    assert "Elegí tu contraseña" in page.text
    assert f"Tu cuenta: {DOOR}" in page.text
