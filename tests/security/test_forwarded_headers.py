"""Forwarded headers over real HTTP: a client cannot pick the address it is throttled under.

A real ``seatguard auth`` process (uvicorn) on loopback. Without TRUSTED_PROXIES, a rotating
``X-Forwarded-For`` is ignored, so guesses from one connection's address back off; with the
proxy's address configured, the header names the client, as behind the compose nginx or an ALB.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatguard.auth.models import LoginThrottle
from seatguard.common.db import Database
from seatguard.settings import Settings
from tests.support.server import seatguard_process

PASSWORD = "violet harbour lantern 42"
EMAIL = "spoof.target@example.com"


def guesses_with_rotating_forwarded_for(base: str, *, count: int) -> list[int]:
    with httpx.Client(base_url=base, timeout=30) as client:
        created = client.post("/auth/register", json={"email": EMAIL, "password": PASSWORD})
        assert created.status_code == 201, created.text
        return [
            client.post(
                "/auth/login",
                json={"email": EMAIL, "password": f"guess number {n}"},
                headers={"X-Forwarded-For": f"198.51.100.{n}", "Forwarded": f"for=10.9.9.{n}"},
            ).status_code
            for n in range(count)
        ]


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_forwarded_for_counts_only_from_a_trusted_proxy(
    db: Database, settings: Settings, trusted: str
):
    env = {
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": settings.jwt_secret,
        "LOGIN_MAX_FAILURES": "3",  # per address and account
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": "50",
        "TRUSTED_PROXIES": trusted,
    }
    with seatguard_process(["auth"], env=env) as base:
        codes = guesses_with_rotating_forwarded_for(base, count=10)
    with db.reader() as session:
        addresses = {key.split(":", 1)[1].split("|")[0] for key in pair_keys(session)}
    if trusted:
        # Each guess really comes from another client behind the proxy.
        assert codes == [401] * 10
        assert addresses == {f"198.51.100.{n}" for n in range(10)}
    else:
        # The header is a lie from an untrusted peer: all ten are one address's guesses.
        assert addresses == {"127.0.0.1"}
        assert codes[:3] == [401, 401, 401]
        assert codes.count(429) >= 5, codes


def pair_keys(session: Session) -> list[str]:
    keys = session.scalars(select(LoginThrottle.key)).all()
    return [key for key in keys if not key.startswith(("acct:", "email:"))]
