"""``seatguard auth`` and ``seatguard booking`` as two real processes over one database."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from seatguard.booking.models import Seat
from seatguard.common.clock import system_clock
from seatguard.common.db import Database
from seatguard.settings import Settings
from tests.support.factories import make_event
from tests.support.keys import ed25519_pem_pair
from tests.support.server import seatguard_process

PASSWORD = "violet harbour lantern 42"


@pytest.mark.parametrize("signing", ["shared-secret", "eddsa-jwks"])
def test_register_and_login_on_auth_then_hold_on_booking(
    db: Database, settings: Settings, signing: str
):
    _, seats = make_event(db, now=system_clock())  # the servers run on the real clock
    auth_env = {"DATABASE_URL": settings.database_url, "SECRET_JWT": settings.jwt_secret}
    booking_env = {"DATABASE_URL": settings.database_url, "JWT_SECRET": settings.jwt_secret}
    if signing == "eddsa-jwks":
        private, _ = ed25519_pem_pair()
        auth_env["AUTH_PRIVATE_KEY"] = private
    with seatguard_process(["auth"], env=auth_env) as auth_base:
        if signing == "eddsa-jwks":
            booking_env["JWKS_URL"] = f"{auth_base}/.well-known/jwks.json"
        with seatguard_process(["booking"], env=booking_env) as booking_base:
            with httpx.Client(base_url=auth_base, timeout=30) as auth:
                created = auth.post(
                    "/auth/register", json={"email": "Lu@Example.com", "password": PASSWORD}
                )
                assert created.status_code == 201, created.text
                user_id = created.json()["id"]
                login = auth.post(
                    "/auth/login", json={"email": "lu@example.com", "password": PASSWORD}
                )
                assert login.status_code == 200, login.text
                token = login.json()["access_token"]
                assert auth.get("/health").status_code == 200
                assert auth.get("/api/v1/events").status_code == 404  # auth service only
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=booking_base, timeout=30) as booking:
                held = booking.post(f"/api/v1/seats/lock/{seats[0]}/uid/{user_id}", headers=headers)
                assert held.status_code == 200, held.text
                assert held.json()["status"] == "LOCKED"
                forged = booking.post(
                    f"/api/v1/seats/lock/{seats[1]}/uid/{user_id}",
                    headers={"Authorization": f"Bearer {token[:-4]}AAAA"},
                )
                assert forged.status_code == 401
    with db.reader() as session:
        holder = session.scalar(select(Seat.held_by).where(Seat.id == seats[0]))
    assert holder == user_id


def test_demotion_and_revoke_reach_a_separate_booking_process(db: Database, settings: Settings):
    """Auth and booking as two processes: `users set-role` and `users revoke` (the CLI, a
    third process) change what booking allows within ROLE_CACHE_SECONDS, here 1 s."""
    import os
    import subprocess
    import sys
    import time

    from tests.support.factories import event_body

    env = {
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": settings.jwt_secret,
        "ROLE_CACHE_SECONDS": "1",
    }

    def users(*args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "seatguard", "users", *args],
            env={**os.environ, "SEATGUARD_ENV": "test", **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    users("create-admin", "chief@example.com", "--password", PASSWORD)
    with (
        seatguard_process(["auth"], env=env) as auth_base,
        seatguard_process(["booking"], env=env) as booking_base,
        httpx.Client(timeout=30) as client,
    ):
        login = client.post(
            f"{auth_base}/auth/login", json={"email": "chief@example.com", "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        body = event_body(date=system_clock() + timedelta(days=30))

        def create() -> int:
            return client.post(
                f"{booking_base}/api/v1/events", json=body, headers=headers
            ).status_code

        assert create() == 201
        users("set-role", "chief@example.com", "customer")
        time.sleep(1.2)
        assert create() == 403
        users("revoke", "chief@example.com")
        time.sleep(1.2)
        assert create() == 401
        assert client.get(f"{auth_base}/auth/me", headers=headers).status_code == 401
