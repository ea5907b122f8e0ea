"""Seat and order rules in plain Python: no framework, no session.

A hold is a row state with an expiry; "free" is a condition, so an expired hold is free
again the moment it expires, whether or not the sweeper has tidied it yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SeatStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    LOCKED = "LOCKED"
    SOLD = "SOLD"


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"
    CANCELLED = "CANCELLED"  # by the buyer or an admin before payment; its seats are freed


class Genre(StrEnum):
    ELECTRONICA = "ELECTRONICA"
    ROCK = "ROCK"
    POP = "POP"
    JAZZ = "JAZZ"
    TEATRO = "TEATRO"
    VARIOS = "VARIOS"
    METAL = "METAL"


# What an operator may set by hand (PATCH /seats/{id}); holds and sales have their own paths.
# A box-office sale takes a free seat; a hold may be freed; an unticketed sale may be undone.
SEAT_TRANSITIONS: dict[SeatStatus, frozenset[SeatStatus]] = {
    SeatStatus.AVAILABLE: frozenset({SeatStatus.SOLD}),
    SeatStatus.LOCKED: frozenset({SeatStatus.AVAILABLE}),
    SeatStatus.SOLD: frozenset({SeatStatus.AVAILABLE}),
}

ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset(
        {
            OrderStatus.COMPLETED,
            OrderStatus.FAILED,
            OrderStatus.EXPIRED,
            OrderStatus.REFUNDED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.CANCELLED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.EXPIRED: frozenset({OrderStatus.COMPLETED, OrderStatus.REFUNDED}),
    OrderStatus.FAILED: frozenset({OrderStatus.COMPLETED, OrderStatus.REFUNDED}),
    OrderStatus.COMPLETED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
}


def can_move_seat(current: SeatStatus, target: SeatStatus) -> bool:
    return target in SEAT_TRANSITIONS[current]


def can_move_order(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ORDER_TRANSITIONS[current]


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatState:
    status: SeatStatus
    held_by: str | None
    held_until: datetime | None


def effective_status(seat: SeatState, *, now: datetime) -> SeatStatus:
    """What a buyer sees: a hold past its expiry is AVAILABLE."""
    if seat.status is SeatStatus.LOCKED and (seat.held_until is None or seat.held_until <= now):
        return SeatStatus.AVAILABLE
    return seat.status


def is_free_for(seat: SeatState, *, user_id: str, now: datetime) -> bool:
    """May ``user_id`` hold this seat now? Free seats, expired holds and the user's own holds."""
    status = effective_status(seat, now=now)
    if status is SeatStatus.AVAILABLE:
        return True
    return status is SeatStatus.LOCKED and seat.held_by == user_id


def availability_level(*, available: int, total: int) -> str:
    """The original's coarse availability label (HIGH, MEDIUM, LOW, SOLD_OUT)."""
    if available <= 0 or total <= 0:
        return "SOLD_OUT"
    share = available / total
    if share > 0.5:
        return "HIGH"
    if share > 0.2:
        return "MEDIUM"
    return "LOW"


def order_total(prices_minor: list[int]) -> int:
    if any(p < 0 for p in prices_minor):
        raise ValueError("negative price")
    return sum(prices_minor)


def minor_to_major(amount_minor: int) -> float:
    return amount_minor / 100
