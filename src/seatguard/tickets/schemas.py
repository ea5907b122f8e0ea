"""Ticket wire shapes (camelCase JSON)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import AwareDatetime, Field, field_validator

from seatguard.common.schemas import CamelModel
from seatguard.tickets.door import DoorCount, SyncOutcome, SyncStatus
from seatguard.tickets.service import CheckInResult
from seatguard.tickets.views import TicketView

MAX_SYNC_SCANS = 500
EARLIEST_SCAN = datetime(2000, 1, 1, tzinfo=UTC)


class TicketOut(CamelModel):
    id: uuid.UUID
    order_id: uuid.UUID
    seat_id: uuid.UUID
    section: str
    row: str
    number: str
    seat_label: str
    price_minor: int
    currency: str
    code: str
    short_code: str = Field(description="Typed at the door instead of scanning: K7QM-4XPD-9TRB")
    issued_at: datetime
    checked_in_at: datetime | None

    @classmethod
    def of(cls, view: TicketView) -> TicketOut:
        return cls(
            id=view.id,
            order_id=view.order_id,
            seat_id=view.seat_id,
            section=view.section,
            row=view.row,
            number=view.number,
            seat_label=view.seat_label,
            price_minor=view.price_minor,
            currency=view.currency,
            code=view.code,
            short_code=view.printed_short_code,
            issued_at=view.issued_at,
            checked_in_at=view.checked_in_at,
        )


class CheckInIn(CamelModel):
    code: str = Field(
        min_length=1, max_length=1000, description="The signed QR code or the short code"
    )
    event_id: uuid.UUID | None = Field(
        default=None, description="The event this door admits; other events' tickets get 409"
    )


class CheckInOut(CamelModel):
    status: str = "CHECKED_IN"
    ticket_id: uuid.UUID
    order_id: uuid.UUID
    event_id: uuid.UUID
    event_name: str
    section: str
    row: str
    number: str
    holder_name: str
    holder_email: str | None
    checked_in_at: datetime

    @classmethod
    def of(cls, result: CheckInResult) -> CheckInOut:
        return cls(
            ticket_id=result.ticket_id,
            order_id=result.order_id,
            event_id=result.event_id,
            event_name=result.event_name,
            section=result.section,
            row=result.row,
            number=result.number,
            holder_name=result.holder_name,
            holder_email=result.holder_email,
            checked_in_at=result.checked_in_at,
        )


class PublicKeyOut(CamelModel):
    algorithm: str = "Ed25519"
    format: str = Field(default="SG1", description="Code layout: SG1.<payload>.<signature>")
    pem: str
    raw: str = Field(description="The 32 raw public key bytes, base64url without padding")


class OfflineScanIn(CamelModel):
    code: str = Field(min_length=1, max_length=1000, description="A signed (QR) ticket code")
    scanned_at: AwareDatetime = Field(description="When the door scanned it, with its offset")

    @field_validator("scanned_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        try:
            utc = value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("the scan time is out of range") from exc
        if utc < EARLIEST_SCAN:
            raise ValueError("the scan time is out of range")
        return utc


class SyncIn(CamelModel):
    event_id: uuid.UUID | None = Field(
        default=None, description="The event this door admits; other events' tickets are refused"
    )
    scans: list[OfflineScanIn] = Field(min_length=1, max_length=MAX_SYNC_SCANS)


class SyncResultOut(CamelModel):
    code: str
    scanned_at: datetime
    status: SyncStatus
    ticket_id: uuid.UUID | None
    checked_in_at: datetime | None = Field(description="The admission on record (first scan)")
    displaced_at: datetime | None = Field(
        description="A later admission of the same ticket that this earlier scan made a duplicate"
    )
    error: str | None
    message: str | None


class SyncOut(CamelModel):
    results: list[SyncResultOut]

    @classmethod
    def of(cls, scans: list[OfflineScanIn], outcomes: list[SyncOutcome]) -> SyncOut:
        return cls(
            results=[
                SyncResultOut(
                    code=scan.code,
                    scanned_at=scan.scanned_at,
                    status=outcome.status,
                    ticket_id=outcome.ticket_id,
                    checked_in_at=outcome.checked_in_at,
                    displaced_at=outcome.displaced_at,
                    error=outcome.error,
                    message=outcome.message,
                )
                for scan, outcome in zip(scans, outcomes, strict=True)
            ]
        )


class DoorCountOut(CamelModel):
    event_id: uuid.UUID
    tickets: int = Field(description="Valid tickets issued for the event (refunds excluded)")
    admitted: int
    remaining: int

    @classmethod
    def of(cls, count: DoorCount) -> DoorCountOut:
        return cls(
            event_id=count.event_id,
            tickets=count.tickets,
            admitted=count.admitted,
            remaining=count.remaining,
        )
