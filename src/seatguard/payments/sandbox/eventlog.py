"""The sandbox's events and their webhook deliveries, in the database.

A delivery is a row due at a wall-clock time. A sender claims it with a lease (a conditional
update, after ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two processes never send the same
delivery at once; a sender that dies mid-attempt leaves a lease that runs out, and the
delivery is sent again (Stripe's webhooks are at-least-once too).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from seatguard.common.db import Database
from seatguard.payments.sandbox.errors import no_such
from seatguard.payments.sandbox.records import EventRecord
from seatguard.payments.sandbox.rows import event_record
from seatguard.payments.sandbox.tables import SandboxDelivery, SandboxEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    delivery_id: int
    event: EventRecord
    attempt: int


def _claimable(now: float) -> ColumnElement[bool]:
    return and_(
        SandboxDelivery.due_at <= now,
        or_(SandboxDelivery.claimed_until.is_(None), SandboxDelivery.claimed_until < now),
    )


class EventLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def event(self, event_id: str) -> EventRecord:
        with self.db.reader() as session:
            row = session.scalars(select(SandboxEvent).where(SandboxEvent.id == event_id)).first()
            if row is None:
                raise no_such("event", event_id)
            return event_record(row)

    def latest(self, *, type: str | None, limit: int) -> tuple[list[EventRecord], bool]:
        """Newest first, at most ``limit``; and whether there are more."""
        query = select(SandboxEvent).order_by(SandboxEvent.seq.desc()).limit(limit + 1)
        if type is not None:
            query = query.where(SandboxEvent.type == type)
        with self.db.reader() as session:
            rows = [event_record(r) for r in session.scalars(query)]
        return rows[:limit], len(rows) > limit

    def schedule(self, event_id: str, *, due_at: float) -> None:
        """One more delivery of the event (a duplicate, if it was delivered already)."""
        self.event(event_id)
        with self.db.unit_of_work() as session:
            session.add(SandboxDelivery(event_id=event_id, due_at=due_at, claimed_until=None))

    def schedule_undelivered(self, *, due_at: float) -> int:
        """Deliver every undelivered event at ``due_at``, replacing its pending retries."""
        with self.db.unit_of_work() as session:
            ids = list(session.scalars(select(SandboxEvent.id).where(~SandboxEvent.delivered)))
            if not ids:
                return 0
            session.execute(
                delete(SandboxDelivery).where(
                    SandboxDelivery.event_id.in_(ids), SandboxDelivery.claimed_until.is_(None)
                )
            )
            session.add_all(
                SandboxDelivery(event_id=i, due_at=due_at, claimed_until=None) for i in ids
            )
            return len(ids)

    def next_due(self) -> float | None:
        with self.db.reader() as session:
            return session.scalar(
                select(func.min(SandboxDelivery.due_at)).where(
                    SandboxDelivery.claimed_until.is_(None)
                )
            )

    def claim(self, *, now: float, lease: float) -> Claimed | None:
        """Take the next due delivery for ``lease`` seconds; ``None`` when none is due."""
        with self.db.reader() as session:  # a cheap look first: most ticks find nothing
            if session.scalar(select(SandboxDelivery.id).where(_claimable(now)).limit(1)) is None:
                return None
        with self.db.unit_of_work() as session:
            delivery_id = session.scalar(
                select(SandboxDelivery.id)
                .where(_claimable(now))
                .order_by(SandboxDelivery.due_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if delivery_id is None:
                return None
            taken = session.execute(
                update(SandboxDelivery)
                .where(SandboxDelivery.id == delivery_id, _claimable(now))
                .values(claimed_until=now + lease)
                .returning(SandboxDelivery.event_id)
            ).scalar_one_or_none()
            if taken is None:
                return None
            event = session.scalars(
                select(SandboxEvent).where(SandboxEvent.id == taken).with_for_update()
            ).one()
            event.attempts += 1
            return Claimed(
                delivery_id=delivery_id, event=event_record(event), attempt=event.attempts
            )

    def finish(self, claimed: Claimed, *, outcome: str, ok: bool, retry_at: float | None) -> None:
        """Record an attempt's outcome; schedule a retry at ``retry_at`` unless delivered."""
        with self.db.unit_of_work() as session:
            event = session.scalars(
                select(SandboxEvent).where(SandboxEvent.id == claimed.event.id).with_for_update()
            ).one()
            event.responses = [*event.responses, outcome]
            event.delivered = event.delivered or ok
            done = SandboxDelivery.id == claimed.delivery_id
            session.execute(delete(SandboxDelivery).where(done))
            if not event.delivered and retry_at is not None:
                session.add(SandboxDelivery(event_id=event.id, due_at=retry_at, claimed_until=None))
