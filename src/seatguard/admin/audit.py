"""Recording admin actions in the same transaction as the action itself.

An action and its audit entry commit together or not at all, so the log never names a change
that did not happen and never misses one that did.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatguard.admin.models import AuditEntry
from seatguard.common.security import Principal


class Action(StrEnum):
    EVENT_CREATED = "event.created"
    EVENT_EDITED = "event.edited"
    EVENT_CANCELLED = "event.cancelled"
    EVENT_PUBLISHED = "event.published"
    EVENT_SALES_CLOSED = "event.sales_closed"
    EVENT_SALES_REOPENED = "event.sales_reopened"
    SEAT_STATUS_CHANGED = "seat.status_changed"
    ORDER_REFUNDED = "order.refunded"
    EMAIL_RESENT = "order.email_resent"
    ROLE_CHANGED = "user.role_changed"
    SESSIONS_REVOKED = "user.sessions_revoked"
    EXPORTED = "data.exported"
    WAITLIST_ENTRY_REMOVED = "waitlist.entry_removed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    id: str
    role: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(id=principal.user_id, role=principal.role.value)


def record(
    session: Session,
    *,
    actor: Actor,
    action: Action,
    target_type: str,
    target_id: str | uuid.UUID,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            actor_id=actor.id,
            actor_role=actor.role,
            action=action.value,
            target_type=target_type,
            target_id=str(target_id),
            details=json.dumps(details or {}, default=str, ensure_ascii=False, sort_keys=True),
        )
    )


def entries(
    session: Session,
    *,
    action: str | None = None,
    actor_id: str | None = None,
    target_id: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEntry], int]:
    """Newest first, filtered."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id).offset(offset).limit(limit)
    ).all()
    return list(rows), total
