"""Claim, stamp and release an order email in ``email_sends``: each (order, kind) sent once.

The claim is committed before the email goes out and the stamp after it, so every crash
lands on a known side:

- crash after the claim, before the mailer took the message: the claim goes stale after
  ``CLAIM_TIMEOUT`` and the redelivered job sends (late, not lost);
- the mailer refuses: the claim is released at once and the job is retried;
- crash after the mailer took the message, before the stamp: the redelivered job finds a
  stale claim and sends again. This is the one duplicate left, and the side we err on: never
  lose an email. Both copies carry the same Message-ID, so mail clients show one.

A fresh claim held by someone else raises ``EmailInProgress``: the job is retried later
rather than acknowledged, so if the holder dies its claim goes stale and is taken over.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, and_, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from seatguard.common.db import Database
from seatguard.notify.models import EmailSend

if TYPE_CHECKING:
    from seatguard.notify.backends import Mailer
    from seatguard.notify.mime import OutgoingEmail

CLAIM_TIMEOUT = timedelta(seconds=30)  # twice the default SMTP timeout; well inside the retries


class EmailInProgress(Exception):
    """Another delivery of the same email holds a fresh claim; try again later."""


# Built once on the table (Core: no ORM bulk-statement handling per call), values bound.
_SENDS = cast(Table, EmailSend.__table__)
_OURS = and_(_SENDS.c.order_id == bindparam("send_order"), _SENDS.c.kind == bindparam("send_kind"))
_CLAIM = {  # values given at execution: order_id, kind, claimed_at
    name: dialect.insert(_SENDS).on_conflict_do_nothing().returning(_SENDS.c.order_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_HELD = select(_SENDS.c.claimed_at, _SENDS.c.sent_at).where(_OURS).with_for_update()
_TAKE_OVER = update(_SENDS).where(_OURS).values(claimed_at=bindparam("claim_at"))
_MARK_SENT = update(_SENDS).where(_OURS).values(sent_at=bindparam("send_at"))
_RELEASE = delete(_SENDS).where(
    _OURS, _SENDS.c.claimed_at == bindparam("claim_at"), _SENDS.c.sent_at.is_(None)
)


def claim(db: Database, *, order_id: uuid.UUID, kind: str, now: datetime) -> bool:
    """Take the right to send; False when the email was already sent."""
    insert = _CLAIM["postgresql" if db.dialect == "postgresql" else "sqlite"]
    ours = {"send_order": order_id, "send_kind": kind}
    with db.begin() as conn:
        if conn.execute(insert, {"order_id": order_id, "kind": kind, "claimed_at": now}).first():
            return True
        row = conn.execute(_HELD, ours).first()
        if row is None:  # released between the two statements: try again
            raise EmailInProgress(f"{kind} email of order {order_id} changed hands")
        if row.sent_at is not None:
            return False
        if row.claimed_at > now - CLAIM_TIMEOUT:
            raise EmailInProgress(f"{kind} email of order {order_id} is being sent")
        conn.execute(_TAKE_OVER, {**ours, "claim_at": now})  # a stale claim: its holder died
        return True


def mark_sent(db: Database, *, order_id: uuid.UUID, kind: str, now: datetime) -> None:
    with db.begin() as conn:
        conn.execute(_MARK_SENT, {"send_order": order_id, "send_kind": kind, "send_at": now})


def release(db: Database, *, order_id: uuid.UUID, kind: str, claimed_at: datetime) -> None:
    """Give up our claim (the mailer failed), so the retry need not wait for it to go stale."""
    with db.begin() as conn:
        params = {"send_order": order_id, "send_kind": kind, "claim_at": claimed_at}
        conn.execute(_RELEASE, params)


def send_once(
    db: Database,
    mailer: Mailer,
    message: OutgoingEmail,
    *,
    order_id: uuid.UUID,
    kind: str,
    now: datetime,
    clock: Callable[[], datetime],
) -> bool:
    """Send ``message`` unless it went out before: claim, send, stamp (the claim released at
    once if the mailer refuses). False when it had been sent already."""
    if not claim(db, order_id=order_id, kind=kind, now=now):
        return False
    try:
        mailer.send(message)
    except BaseException:
        release(db, order_id=order_id, kind=kind, claimed_at=now)
        raise
    mark_sent(db, order_id=order_id, kind=kind, now=clock())
    return True
