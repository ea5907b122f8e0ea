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
    PENDING = "PENDING"  # waiting for the payment (or for an async payment's outcome)
    COMPLETED = "COMPLETED"  # paid, seats sold, tickets issued
    FAILED = "FAILED"  # no session could be opened, or an async payment failed
    EXPIRED = "EXPIRED"  # not paid in time
    CANCELLED = "CANCELLED"  # the buyer gave up before paying
    REFUNDING = "REFUNDING"  # paid, not to be fulfilled: the refund is on its way
    REFUNDED = "REFUNDED"  # the money went back


class EventStatus(StrEnum):
    DRAFT = "DRAFT"  # being set up: buyers cannot see it
    ON_SALE = "ON_SALE"  # sold within its sales window
    SALES_CLOSED = "SALES_CLOSED"  # still shown, nothing can be held or bought
    CANCELLED = "CANCELLED"  # sales stopped for good, paid orders refunded


# What buyers' lists and searches show (a cancelled event's own page still answers).
BUYERS_SEE = (EventStatus.ON_SALE.value, EventStatus.SALES_CLOSED.value)


class EventAction(StrEnum):
    """An organiser's move of an event between states (cancelling has its own path)."""

    PUBLISH = "publish"
    CLOSE_SALES = "close-sales"
    REOPEN_SALES = "reopen-sales"


EVENT_TRANSITIONS: dict[EventAction, tuple[EventStatus, EventStatus]] = {
    EventAction.PUBLISH: (EventStatus.DRAFT, EventStatus.ON_SALE),
    EventAction.CLOSE_SALES: (EventStatus.ON_SALE, EventStatus.SALES_CLOSED),
    EventAction.REOPEN_SALES: (EventStatus.SALES_CLOSED, EventStatus.ON_SALE),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SalesWindow:
    """When an event sells: its status, start and optional window (UTC instants)."""

    status: str
    starts_at: datetime
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None


def why_not_on_sale(window: SalesWindow, *, now: datetime) -> str | None:
    """Why nothing of the event can be held or checked out at ``now`` (an error code), or
    None when it can. Sales open at ``sales_start_at`` and close at ``sales_end_at`` (or at the
    start, whichever is first). ``holds.sellable`` and ``seats_sql.HOLD`` are this rule in SQL;
    a test drives every entry point through every state and window position."""
    if window.status == EventStatus.SALES_CLOSED:
        return "sales_closed"
    if window.status != EventStatus.ON_SALE:
        return "event_not_on_sale"
    if window.starts_at <= now:
        return "event_started"
    if window.sales_start_at is not None and now < window.sales_start_at:
        return "sales_not_open"
    if window.sales_end_at is not None and window.sales_end_at <= now:
        return "sales_closed"
    return None


def next_sales_change(window: SalesWindow, *, now: datetime) -> datetime | None:
    """The next instant after ``now`` at which ``why_not_on_sale`` may answer differently by
    the clock alone (sales open, sales close, the event starts), or None when none is ahead;
    a change of status is the organizer's, not the clock's."""
    if window.status != EventStatus.ON_SALE:
        return None
    ahead = [
        t
        for t in (window.sales_start_at, window.sales_end_at, window.starts_at)
        if t is not None and t > now
    ]
    return min(ahead, default=None)


def window_problem(
    *, starts_at: datetime, sales_start_at: datetime | None, sales_end_at: datetime | None
) -> str | None:
    """What is wrong with a sales window (a key of ``WINDOW_PROBLEMS``), or None: sales open
    before the event starts and before they close, and close by the start."""
    if sales_end_at is not None and sales_end_at > starts_at:
        return "ends_after_start"
    if sales_start_at is not None and sales_start_at >= starts_at:
        return "opens_after_start"
    if sales_start_at is not None and sales_end_at is not None and sales_start_at >= sales_end_at:
        return "opens_after_close"
    return None


# Orders whose seats may still be waiting for a payment (fulfilment may still sell them).
OPEN_ORDER_STATUSES = frozenset(
    {OrderStatus.PENDING, OrderStatus.EXPIRED, OrderStatus.FAILED, OrderStatus.CANCELLED}
)
# Orders that will never change again.
FINAL_ORDER_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.REFUNDED})


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


def can_move_seat(current: SeatStatus, target: SeatStatus) -> bool:
    return target in SEAT_TRANSITIONS[current]


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatState:
    status: SeatStatus
    held_by: str | None
    held_until: datetime | None


def effective_status(seat: SeatState, *, now: datetime) -> SeatStatus:
    """What a buyer sees: a hold past its expiry is AVAILABLE.

    The same rule as the SQL predicate ``holds.free_now`` (a test checks both agree on every
    state); a LOCKED seat always has an expiry (a CHECK constraint says so).
    """
    if seat.status is SeatStatus.LOCKED and seat.held_until is not None and seat.held_until <= now:
        return SeatStatus.AVAILABLE
    return seat.status


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
