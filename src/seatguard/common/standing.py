"""A user's current standing (role and session version), looked up with a short cache.

Tokens live long (the original's front end keeps one for 30 days), so the role a token carries
can be stale. Every request with a token asks this cache for the user's standing instead; it
is read from the auth tables at most once per ``ttl`` per user and process, so a role change or
``seatguard users revoke`` reaches every process within ``ttl`` (at most 60 s).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
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


LoadMany = Callable[[Sequence[str]], Awaitable[Mapping[str, Standing]]]
Closer = Callable[[], Awaitable[None]]


class StandingCache:
    """``user id → Standing | None`` (``None``: the auth tables do not know the user).

    ``load`` reads blocking (a thread runs it); ``load_many``, when given, reads many users
    on the event loop: one prepared round trip (PostgreSQL) or one cached statement on a kept
    connection (a SQLite file) instead of a threadpool hop and an ORM query. Concurrent
    ``fetch`` calls in a process share those reads: callers that arrive while a read is in
    flight wait for the next one, which reads all their users (at most ``batch_size``) in one
    statement, and a user asked for twice at once is read once. ``close`` releases what
    ``load_many`` holds.
    """

    def __init__(
        self,
        load: Callable[[str], Standing | None],
        *,
        ttl: timedelta,
        clock: Clock,
        max_entries: int = 100_000,
        load_many: LoadMany | None = None,
        close: Closer | None = None,
        batch_size: int = 256,
    ) -> None:
        self._load = load
        self._load_many = load_many
        self._close = close
        self.ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._batch_size = batch_size
        self._entries: dict[str, tuple[datetime, Standing | None]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._asked: dict[str, asyncio.Future[Standing | None]] = {}  # queued or being read
        self._queue: list[str] = []  # asked, not yet being read
        self._reading: asyncio.Task[None] | None = None
        self.reads = 0  # statements run by ``load_many`` in this process

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
        """``load`` without blocking the event loop, in a shared read."""
        if self._load_many is None:
            return await run_in_threadpool(self.load, user_id)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # served by a new loop: nothing of the old one carries over
            self._loop, self._asked, self._queue, self._reading = loop, {}, [], None
        answer = self._asked.get(user_id)
        if answer is None:
            answer = self._asked[user_id] = loop.create_future()
            self._queue.append(user_id)
            if self._reading is None:
                self._reading = loop.create_task(self._read_queued(self._load_many))
        # shielded: a caller that goes away does not cancel the answer others wait for
        return await asyncio.shield(answer)

    async def _read_queued(self, load_many: LoadMany) -> None:
        """Read the queued users, ``batch_size`` at a time, until nobody waits."""
        try:
            while self._queue:
                batch = self._queue[: self._batch_size]
                del self._queue[: self._batch_size]
                await self._read_batch(load_many, batch)
        finally:
            self._reading = None
            if self._queue:  # cancelled with callers still waiting: they hear of it too
                batch, self._queue = self._queue, []
                self._answer(batch, _cancelled())

    async def _read_batch(self, load_many: LoadMany, batch: list[str]) -> None:
        read_at = self._clock()
        self.reads += 1
        try:
            found = await load_many(batch)
        except Exception as exc:  # every waiting caller gets the error, none is left hanging
            self._answer(batch, exc)
            return
        except BaseException:  # the read itself was cancelled (the loop is ending)
            self._answer(batch, _cancelled())
            raise
        for user_id in batch:
            standing = self._remember(user_id, read_at, found.get(user_id))
            answer = self._asked.pop(user_id, None)
            if answer is not None and not answer.done():
                answer.set_result(standing)

    def _answer(self, batch: list[str], exc: BaseException) -> None:
        for user_id in batch:
            answer = self._asked.pop(user_id, None)
            if answer is not None and not answer.done():
                answer.set_exception(exc)
                answer.add_done_callback(_retrieved)

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


def _cancelled() -> RuntimeError:
    return RuntimeError("the standing read was cancelled")


def _retrieved(answer: asyncio.Future[Standing | None]) -> None:
    """Mark a failed answer's error as seen: every caller waiting for it may have gone."""
    answer.exception()


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
