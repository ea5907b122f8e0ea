"""The SQL behind the database queue, kept named and readable.

Claiming is one conditional ``UPDATE … WHERE id IN (due jobs) RETURNING …``. On PostgreSQL
the inner select takes ``FOR UPDATE SKIP LOCKED``, so concurrent workers each take
different rows without waiting on one another; on SQLite the unit of work starts with
``BEGIN IMMEDIATE``, so claims run one after another.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Result,
    ScalarSelect,
    Table,
    Update,
    and_,
    bindparam,
    false,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

from seatguard.queue.models import Job

JOBS = cast(Table, Job.__table__)
LIVE = and_(JOBS.c.dead == false(), JOBS.c.done_at.is_(None))
# A job as its claim saw it (bound: ``job_id``, ``job_attempts``): a stale worker's receipt
# matches nothing.
THIS_CLAIM = and_(
    JOBS.c.id == bindparam("job_id"), JOBS.c.attempts == bindparam("job_attempts"), LIVE
)

# The statements a worker runs for every message, built once on the table with bound values
# (Core, compiled once per engine): an ORM-enabled statement built per call costs several
# times the database's own work for these one-row statements.
ACK = (
    update(JOBS)
    .where(JOBS.c.id == bindparam("job_id"), LIVE)
    .values(done_at=bindparam("done"), locked_until=None)
)
EXTEND = (
    update(JOBS)
    .where(THIS_CLAIM)
    .values(visible_at=bindparam("lease"), locked_until=bindparam("lease"))
)
INSERT = {  # values given at execution: every column of the job
    name: dialect.insert(JOBS).on_conflict_do_nothing()
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _due_ids(*, limit: int, exhausted: bool, skip_locked: bool) -> ScalarSelect[Any]:
    """Ids of live jobs of ``:job_queue`` due at ``:job_now``: those with attempts left, or
    (``exhausted``) those without."""
    used_up = JOBS.c.attempts >= JOBS.c.max_attempts
    stmt = (
        select(JOBS.c.id)
        .where(
            JOBS.c.queue == bindparam("job_queue"),
            LIVE,
            JOBS.c.visible_at <= bindparam("job_now"),
        )
        .where(used_up if exhausted else ~used_up)
        .order_by(JOBS.c.visible_at)
        .limit(limit)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    return stmt.scalar_subquery()


@cache
def dead_letter_timed_out(*, skip_locked: bool) -> Update:
    """Jobs whose last attempt's lease ran out go to the dead-letter queue, not back out.
    Bound at execution: ``job_queue``, ``job_now``."""
    ids = _due_ids(limit=100, exhausted=True, skip_locked=skip_locked)
    return (
        update(JOBS)
        .where(JOBS.c.id.in_(ids))
        .values(
            dead=True,
            dead_at=bindparam("job_now"),
            locked_until=None,
            last_error=func.coalesce(
                JOBS.c.last_error, "visibility timeout expired on the last attempt"
            ),
        )
    )


@cache
def claim(*, limit: int, skip_locked: bool) -> Executable:
    """Lease up to ``limit`` due jobs until ``:job_lease``, counting the delivery. Bound at
    execution: ``job_queue``, ``job_now``, ``job_lease``."""
    ids = _due_ids(limit=limit, exhausted=False, skip_locked=skip_locked)
    return (
        update(JOBS)
        .where(JOBS.c.id.in_(ids))
        .values(
            attempts=JOBS.c.attempts + 1,
            visible_at=bindparam("job_lease"),
            locked_until=bindparam("job_lease"),
        )
        .returning(JOBS.c.id, JOBS.c.payload, JOBS.c.attempts, JOBS.c.created_at)
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
