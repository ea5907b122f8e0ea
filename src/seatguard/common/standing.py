"""A user's current standing (role and session version), looked up with a short cache.

Tokens live long (the original's front end keeps one for 30 days), so the role a token carries
can be stale. Every request with a token asks this cache for the user's standing instead; it
is read from the auth tables at most once per ``ttl`` per user and process, so a role change or
``seatguard users revoke`` reaches every process within ``ttl`` (at most 60 s).
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool

from seatguard.common.clock import Clock
from seatguard.common.errors import Unauthorized
from seatguard.common.security import Principal, Role


@dataclass(frozen=True, slots=True, kw_only=True)
class Standing:
    role: Role
    token_version: int


LoadAsync = Callable[[str], Awaitable[Standing | None]]
Closer = Callable[[], Awaitable[None]]


class StandingCache:
    """``user id → Standing | None`` (``None``: the auth tables do not know the user).

    ``load`` reads blocking (a thread runs it); ``load_async``, when given, reads on the event
    loop: a user's first request then costs one prepared round trip (PostgreSQL) or one cached
    statement on a kept connection (a SQLite file) instead of a threadpool hop and an ORM
    query. ``close`` releases what ``load_async`` holds.
    """

    def __init__(
        self,
        load: Callable[[str], Standing | None],
        *,
        ttl: timedelta,
        clock: Clock,
        max_entries: int = 100_000,
        load_async: LoadAsync | None = None,
        close: Closer | None = None,
    ) -> None:
        self._load = load
        self._load_async = load_async
        self._close = close
        self.ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[str, tuple[datetime, Standing | None]] = {}
        self._lock = threading.Lock()

    def peek(self, user_id: str) -> tuple[bool, Standing | None]:
        """``(True, standing)`` while a fresh entry exists, else ``(False, None)``."""
        entry = self._entries.get(user_id)
        if entry is None or self._clock() - entry[0] >= self.ttl:
            return False, None
        return True, entry[1]

    def load(self, user_id: str) -> Standing | None:
        """Read the standing now (blocking I/O) and remember it for ``ttl``."""
        read_at = self._clock()
        return self._remember(user_id, read_at, self._load(user_id))

    async def fetch(self, user_id: str) -> Standing | None:
        """``load`` without blocking the event loop."""
        if self._load_async is None:
            return await run_in_threadpool(self.load, user_id)
        read_at = self._clock()
        return self._remember(user_id, read_at, await self._load_async(user_id))

    async def aclose(self) -> None:
        if self._close is not None:
            await self._close()

    def _remember(
        self, user_id: str, read_at: datetime, standing: Standing | None
    ) -> Standing | None:
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[user_id] = (read_at, standing)
        return standing


def apply_standing(principal: Principal, standing: Standing | None) -> Principal:
    """The principal as the user stands now: the current role, or 401 for an ended session.

    A subject the auth tables do not know keeps its token's claims: only the holder of the
    signing key can mint such a token (``seatguard token``)."""
    if standing is None:
        return principal
    if principal.token_version < standing.token_version:
        raise Unauthorized("This session has been ended; log in again.", code="session_revoked")
    if principal.role is standing.role:
        return principal
    return replace(principal, role=standing.role)
