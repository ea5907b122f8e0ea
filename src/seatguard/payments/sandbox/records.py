"""The sandbox's objects as plain records (snapshots of its tables) for the API to render."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from seatguard.payments.sandbox.cards import Decline

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRecord:
    id: str
    name: str
    unit_amount: int
    quantity: int

    @property
    def amount(self) -> int:
        return self.unit_amount * self.quantity


@dataclass(slots=True, kw_only=True)
class SessionRecord:
    id: str
    created: int
    expires_at: int
    currency: str
    items: list[ItemRecord]
    success_url: str
    cancel_url: str | None
    client_reference_id: str | None
    customer_email: str | None
    metadata: dict[str, str]
    status: str = "open"
    payment_status: str = "unpaid"
    payment_intent: str | None = None
    customer_name: str | None = None
    paid_email: str | None = None

    @property
    def amount_total(self) -> int:
        return sum(item.amount for item in self.items)


@dataclass(slots=True, kw_only=True)
class PaymentIntentRecord:
    id: str
    created: int
    amount: int
    currency: str
    status: str = "requires_payment_method"
    charge: str | None = None
    payment_method: str | None = None
    last_error: Decline | None = None
    amount_refunded: int = 0
    receipt_email: str | None = None
    client_secret: str = field(default_factory=lambda: new_id("secret_"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundRecord:
    id: str
    created: int
    amount: int
    currency: str
    payment_intent: str
    charge: str | None
    reason: str | None
    metadata: dict[str, str]
    status: str = "succeeded"


@dataclass(slots=True, kw_only=True)
class EventRecord:
    id: str
    type: str
    created: int
    object: dict[str, Any]
    request: dict[str, str | None]
    delivered: bool = False
    attempts: int = 0
    responses: list[str] = field(default_factory=list)
