"""Failed logins counted per email and per client address, in the database.

Each key has a fixed window that starts at its first failure: once ``limit`` failures fall
inside it, logins for that key are refused (429, ``Retry-After``) until the window ends. The
counter is one atomic upsert + conditional UPDATE, so it holds across processes and replicas.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from seatguard.auth.models import LoginThrottle
from seatguard.common.db import UTCDateTime
from seatguard.common.errors import AppError
from seatguard.common.security import parse_duration
from seatguard.settings import Settings


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed logins; try again in {retry_after} seconds.",
            details={"retryAfter": retry_after},
        )
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottlePolicy:
    per_email: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            per_email=settings.login_max_failures,
            per_address=settings.login_max_failures_per_address,
            window=parse_duration(settings.login_throttle_window),
        )

    def keys(self, *, email: str, address: str | None) -> Iterator[tuple[str, int]]:
        yield f"email:{email[:380]}", self.per_email
        if address:
            yield f"addr:{address[:380]}", self.per_address


def ensure_allowed(
    session: Session, *, policy: ThrottlePolicy, email: str, address: str | None, now: datetime
) -> None:
    """Raise ``TooManyAttempts`` while any of the caller's keys is over its limit."""
    limits = dict(policy.keys(email=email, address=address))
    rows = session.execute(
        select(LoginThrottle.key, LoginThrottle.failures, LoginThrottle.window_started_at).where(
            LoginThrottle.key.in_(limits), LoginThrottle.window_started_at > now - policy.window
        )
    ).all()
    waits = [
        (row.window_started_at + policy.window - now).total_seconds()
        for row in rows
        if row.failures >= limits[row.key]
    ]
    if waits:
        raise TooManyAttempts(max(1, math.ceil(max(waits))))


def record_failure(
    session: Session, *, policy: ThrottlePolicy, email: str, address: str | None, now: datetime
) -> None:
    stale = now - policy.window
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_started_at <= stale))
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    at_now = literal(now, UTCDateTime())
    for key, _limit in policy.keys(email=email, address=address):
        session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=0, window_started_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        expired = LoginThrottle.window_started_at <= stale
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(
                failures=case((expired, 1), else_=LoginThrottle.failures + 1),
                window_started_at=case((expired, at_now), else_=LoginThrottle.window_started_at),
            )
        )


def clear_failures(session: Session, *, policy: ThrottlePolicy, email: str) -> None:
    """A successful login forgives the account's failures (not the address's)."""
    key, _limit = next(policy.keys(email=email, address=None))
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
