"""Login throttling by exponential backoff, per account and per address-and-account.

Two keys count a login's attempts: the account (``acct:<email>``, every address together)
and the pair (``pair:<address>|<email>``). Each key has free attempts (``limit``); after
that, each failure doubles the wait before the key may try again (1 s, 2 s, 4 s …), never
longer than ``backoff_max``. A success clears both keys; keys unused for ``forget_after``
are forgotten.

So guessing one account is slowed to one try per ``backoff_max`` whatever the addresses,
while someone else's failures can delay a correct password by at most ``backoff_max``:
failures for other accounts from the same address never count against it, and there are no
long lockouts to turn against a user.

An attempt is counted *before* its password is checked (and forgiven on success), in one
transaction with the keys' rows locked, so parallel guesses cannot all slip through one
opening. The counters are rows in the database, so they hold across processes and replicas.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from seatguard.auth.models import LoginThrottle
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
    per_pair: int  # free attempts per address-and-account
    per_account: int  # free attempts per account, from every address
    backoff_max: timedelta
    forget_after: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            per_pair=settings.login_max_failures,
            per_account=settings.login_max_failures_per_account,
            backoff_max=parse_duration(settings.login_backoff_max),
            forget_after=parse_duration(settings.login_throttle_window),
        )

    def keys(self, *, email: str, address: str | None) -> Iterator[tuple[str, int]]:
        yield f"acct:{email[:380]}", self.per_account
        if address:
            yield f"pair:{address[:64]}|{email[:320]}", self.per_pair

    def wait(self, failures: int, limit: int) -> timedelta:
        """How long a key with ``failures`` must wait before its next attempt."""
        over = failures - limit
        if over < 0:
            return timedelta(0)
        return min(self.backoff_max, timedelta(seconds=2 ** min(over, 40)))


def claim_attempt(
    session: Session, *, policy: ThrottlePolicy, email: str, address: str | None, now: datetime
) -> None:
    """Count one attempt for each of the caller's keys, or raise ``TooManyAttempts``
    (nothing counted) while any of them must still wait."""
    limits = dict(policy.keys(email=email, address=address))
    stale = now - policy.forget_after
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failed_at <= stale))
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    for key in sorted(limits):
        session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=0, last_failed_at=now, next_attempt_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    rows = session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.key.in_(limits))
        .order_by(LoginThrottle.key)
        .with_for_update()
    ).all()
    waits = [(row.next_attempt_at - now).total_seconds() for row in rows]
    if max(waits, default=0) > 0:
        raise TooManyAttempts(max(1, math.ceil(max(waits))))
    for row in rows:
        row.failures += 1
        row.last_failed_at = now
        row.next_attempt_at = now + policy.wait(row.failures, limits[row.key])


def forgive(session: Session, *, policy: ThrottlePolicy, email: str, address: str | None) -> None:
    """A successful login clears its account's and its address's count for that account."""
    keys = [key for key, _limit in policy.keys(email=email, address=address)]
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
