"""The door's other needs: scans made offline, synced later, and the running count.

A scanner that lost the network verifies signed codes with the public key, admits, and
keeps the scans with their times. When it is back it sends them here. The batch's ticket
rows are locked first, in id order (``FOR UPDATE``; SQLite serialises writers), then each
scan is judged in order of its scan time: the earliest scan of a ticket is the one on
record. A scan later than the record is a duplicate; a scan earlier than the record takes
its place, and the later admission it displaces is reported back with it, so the door
learns of every double entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from seatguard.booking.domain import OrderStatus
from seatguard.booking.models import Event, Order, Ticket
from seatguard.common.errors import AppError, NotFound
from seatguard.tickets.codes import TicketClaims, verify_code

SyncStatus = Literal["CHECKED_IN", "DUPLICATE", "REFUSED"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OfflineScan:
    code: str
    scanned_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncOutcome:
    status: SyncStatus
    ticket_id: uuid.UUID | None = None
    checked_in_at: datetime | None = None  # the admission on record after this scan
    displaced_at: datetime | None = None  # a later admission this scan turned into a duplicate
    error: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DoorCount:
    event_id: uuid.UUID
    tickets: int
    admitted: int

    @property
    def remaining(self) -> int:
        return self.tickets - self.admitted


def sync_scans(
    session: Session,
    *,
    scans: Sequence[OfflineScan],
    public_key: Ed25519PublicKey,
    now: datetime,
    event_id: uuid.UUID | None = None,
) -> list[SyncOutcome]:
    """One outcome per scan, in the order given; scan times after ``now`` count as ``now``."""
    outcomes: dict[int, SyncOutcome] = {}
    genuine: dict[int, TicketClaims] = {}
    for index, scan in enumerate(scans):
        try:
            genuine[index] = verify_code(scan.code, public_key)
        except AppError as exc:
            outcomes[index] = SyncOutcome(status="REFUSED", error=exc.code, message=exc.message)
    # Lock every ticket of the batch up front, in id order: two doors syncing overlapping
    # batches wait for each other instead of deadlocking.
    ticket_ids = sorted({claims.ticket_id for claims in genuine.values()})
    session.execute(
        select(Ticket.id).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id).with_for_update()
    )
    for index in sorted(genuine, key=lambda i: scans[i].scanned_at):
        at = min(scans[index].scanned_at, now)
        outcomes[index] = _sync_one(session, claims=genuine[index], at=at, event_id=event_id)
    return [outcomes[index] for index in range(len(scans))]


def _sync_one(
    session: Session, *, claims: TicketClaims, at: datetime, event_id: uuid.UUID | None
) -> SyncOutcome:
    ticket_id = claims.ticket_id
    if event_id is not None and claims.event_id != event_id:
        return _refused(ticket_id, "wrong_event", "This ticket is for another event.")
    row = session.execute(
        select(Ticket.checked_in_at, Order.status)
        .join(Order, Order.id == Ticket.order_id)
        .where(Ticket.id == ticket_id)
    ).first()
    if row is None:
        return _refused(ticket_id, "unknown_ticket", "No such ticket.")
    if row.status == OrderStatus.REFUNDED:
        return _refused(ticket_id, "order_refunded", "This ticket's order was refunded.")
    if row.checked_in_at is not None and row.checked_in_at <= at:
        return SyncOutcome(status="DUPLICATE", ticket_id=ticket_id, checked_in_at=row.checked_in_at)
    session.execute(update(Ticket).where(Ticket.id == ticket_id).values(checked_in_at=at))
    return SyncOutcome(
        status="CHECKED_IN", ticket_id=ticket_id, checked_in_at=at, displaced_at=row.checked_in_at
    )


def _refused(ticket_id: uuid.UUID, error: str, message: str) -> SyncOutcome:
    return SyncOutcome(status="REFUSED", ticket_id=ticket_id, error=error, message=message)


def door_count(session: Session, *, event_id: uuid.UUID) -> DoorCount:
    """Valid tickets of the event (refunded orders' tickets are void) and how many came in."""
    if session.get(Event, event_id) is None:
        raise NotFound("No such event.", code="event_not_found")
    tickets, admitted = session.execute(
        select(func.count(Ticket.id), func.count(Ticket.checked_in_at))
        .join(Order, Order.id == Ticket.order_id)
        .where(Order.event_id == event_id, Order.status != OrderStatus.REFUNDED)
    ).one()
    return DoorCount(event_id=event_id, tickets=int(tickets), admitted=int(admitted))
