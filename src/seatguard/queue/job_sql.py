"""The SQL behind the database queue, kept named and readable.

Claiming is one conditional ``UPDATE … WHERE id IN (due jobs) RETURNING …``. On PostgreSQL
the inner select takes ``FOR UPDATE SKIP LOCKED``, so concurrent workers each take
different rows without waiting on one another; on SQLite the unit of work starts with
``BEGIN IMMEDIATE``, so claims run one after another.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Result,
    ScalarSelect,
    Update,
    and_,
    false,
    func,
    select,
    update,
)
from sqlalchemy.sql import Executable

from seatguard.queue.models import Job

LIVE = and_(Job.dead == false(), Job.done_at.is_(None))
TIMED_OUT = func.coalesce(Job.last_error, "visibility timeout expired on the last attempt")


def due_ids(
    queue: str, *, now: datetime, limit: int, exhausted: bool, skip_locked: bool
) -> ScalarSelect[Any]:
    """Ids of live jobs due now: those with attempts left, or (``exhausted``) those without."""
    used_up = Job.attempts >= Job.max_attempts
    stmt = (
        select(Job.id)
        .where(Job.queue == queue, LIVE, Job.visible_at <= now)
        .where(used_up if exhausted else ~used_up)
        .order_by(Job.visible_at)
        .limit(limit)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    return stmt.scalar_subquery()


def dead_letter_timed_out(queue: str, *, now: datetime, skip_locked: bool) -> Update:
    """Jobs whose last attempt's lease ran out go to the dead-letter queue, not back out."""
    ids = due_ids(queue, now=now, limit=100, exhausted=True, skip_locked=skip_locked)
    return (
        update(Job)
        .where(Job.id.in_(ids))
        .values(dead=True, dead_at=now, locked_until=None, last_error=TIMED_OUT)
        .execution_options(synchronize_session=False)
    )


def claim(
    queue: str, *, now: datetime, lease: datetime, limit: int, skip_locked: bool
) -> Executable:
    """Lease up to ``limit`` due jobs until ``lease``, counting the delivery."""
    ids = due_ids(queue, now=now, limit=limit, exhausted=False, skip_locked=skip_locked)
    return (
        update(Job)
        .where(Job.id.in_(ids))
        .values(attempts=Job.attempts + 1, visible_at=lease, locked_until=lease)
        .returning(Job.id, Job.payload, Job.attempts, Job.created_at)
        .execution_options(synchronize_session=False)
    )


def depth(queue: str, *, now: datetime) -> Executable:
    """Counts: ready, leased, invisible (leased or delayed), dead."""
    return select(
        func.count().filter(LIVE, Job.visible_at <= now),
        func.count().filter(LIVE, Job.visible_at > now, Job.locked_until > now),
        func.count().filter(LIVE, Job.visible_at > now),
        func.count().filter(Job.dead),
    ).where(Job.queue == queue)


def redrive(queue: str, *, now: datetime, ids: list[str] | None) -> Update:
    stmt = update(Job).where(Job.queue == queue, Job.dead)
    if ids is not None:
        stmt = stmt.where(Job.id.in_([uuid.UUID(i) for i in ids]))
    return stmt.values(dead=False, dead_at=None, attempts=0, locked_until=None, visible_at=now)


def rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount
