"""Checkout wire shapes: the original's request body, accepted as its clients send it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from seatguard.common.emails import EmailAddress
from seatguard.common.schemas import CamelModel


def _seat_ids(value: Any) -> list[Any]:
    """``{"id": …}``, ``[{"id": …}]``, ``[…]`` or a bare id: all mean seat ids."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item.get("id") if isinstance(item, dict) else item for item in items]


class CheckoutItemIn(CamelModel):
    name: str | None = Field(default=None, max_length=300)
    amount: float | None = Field(default=None, description="Ignored: prices come from the seats")
    seat_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)

    _normalise = field_validator("seat_ids", mode="before")(_seat_ids)


class CheckoutIn(CamelModel):
    user_id: str | None = Field(default=None, max_length=64, description="Must be the caller")
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    items: list[CheckoutItemIn] = Field(default_factory=list, max_length=100)
    seat_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    customer_email: EmailAddress | None = None

    _normalise = field_validator("seat_ids", mode="before")(_seat_ids)

    def all_seat_ids(self) -> list[uuid.UUID]:
        ids = [*self.seat_ids, *(s for item in self.items for s in item.seat_ids)]
        return list(dict.fromkeys(ids))


class SeatRef(CamelModel):
    id: uuid.UUID


class DataCheckoutItem(CamelModel):
    name: str
    amount: int
    seat_ids: SeatRef


class DataCheckout(CamelModel):
    order_booking_id: uuid.UUID
    user_id: str
    currency: str
    items: list[DataCheckoutItem]


class CheckoutOut(CamelModel):
    url: str
    session_id: str
    order_id: uuid.UUID
    amount: int = Field(description="Total in minor units")
    currency: str
    expires_at: datetime = Field(description="When the seats' hold runs out")
    reused: bool = Field(description="True when an open session for these seats was returned")
    data_checkout: DataCheckout


class WebhookAck(CamelModel):
    received: bool = True
    duplicate: bool = False
    ignored: bool = False
