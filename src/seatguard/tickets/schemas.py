"""Ticket wire shapes (camelCase JSON)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from seatguard.common.schemas import CamelModel
from seatguard.tickets.service import CheckInResult
from seatguard.tickets.views import TicketView


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
            issued_at=view.issued_at,
            checked_in_at=view.checked_in_at,
        )


class CheckInIn(CamelModel):
    code: str = Field(min_length=1, max_length=1000)
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
