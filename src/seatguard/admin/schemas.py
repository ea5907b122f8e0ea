"""What the back office's API answers."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from seatguard.admin.models import AuditEntry
from seatguard.common.schemas import CamelModel


class AuditEntryOut(CamelModel):
    id: uuid.UUID
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_role=entry.actor_role,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            details=json.loads(entry.details or "{}"),
        )


class SeatCountsOut(CamelModel):
    total: int
    sold: int
    held: int
    free: int


class EventStatsOut(CamelModel):
    id: uuid.UUID
    name: str
    starts_at: datetime
    timezone: str
    location: str
    status: str = Field(description="DRAFT, ON_SALE, SALES_CLOSED or CANCELLED")
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    currency: str
    seats: SeatCountsOut
    orders: int = Field(description="Paid (COMPLETED) orders")
    revenue_minor: int = Field(description="Takings of paid orders, minor units")
    refunded_orders: int
    refunded_minor: int
    checked_in: int = Field(description="Tickets admitted at the door")


class SectionStatsOut(CamelModel):
    section: str
    seats: SeatCountsOut
    sold_minor: int = Field(description="Face value of the section's sold seats")


class DaySalesOut(CamelModel):
    day: date
    tickets: int
    revenue_minor: int


class EventDashboardOut(CamelModel):
    event: EventStatsOut
    sections: list[SectionStatsOut]
    sales_by_day: list[DaySalesOut]


class OrderSummaryOut(CamelModel):
    id: uuid.UUID
    reference: str
    status: str
    status_reason: str | None
    amount: int
    currency: str
    event_id: uuid.UUID
    event_name: str
    customer_name: str | None
    customer_email: str | None
    user_id: str
    seats: int
    created_at: datetime
    completed_at: datetime | None


class DoorSlotOut(CamelModel):
    start: datetime = Field(description="Start of a 10-minute slot (UTC)")
    admitted: int


class DoorSectionOut(CamelModel):
    section: str
    tickets: int
    admitted: int


class DoorScanOut(CamelModel):
    ticket_id: uuid.UUID
    at: datetime
    section: str
    row: str
    number: str
    name: str = Field(description="The buyer's name (or email)")


class DoorBoardOut(CamelModel):
    event_id: uuid.UUID
    name: str
    tickets: int = Field(description="Valid tickets (refunded orders' tickets are void)")
    admitted: int
    remaining: int
    by_slot: list[DoorSlotOut] = Field(description="Admissions per 10 minutes, oldest first")
    by_section: list[DoorSectionOut]
    last_scans: list[DoorScanOut] = Field(description="The last 20 admissions, newest first")


class StaffMemberOut(CamelModel):
    id: str
    email: str
    name: str
    role: str
    created_at: datetime


class InviteIn(CamelModel):
    email: str = Field(max_length=320)
    role: Literal["staff", "admin"] = "staff"
    language: Literal["en", "es"] | None = Field(
        default=None, description="The invitation email's language (the admin's when omitted)"
    )


class InvitationOut(CamelModel):
    member: StaffMemberOut
    created: bool = Field(description="A new account was created (else an existing one)")
    expires_at: datetime = Field(description="The link works until then, once")


class RoleIn(CamelModel):
    role: Literal["customer", "staff", "admin"]
