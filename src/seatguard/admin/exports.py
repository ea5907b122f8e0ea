"""CSV exports for organizers: attendees of an event, orders for accounting.

Rows are streamed from the database in batches and written out as they come, so an export of a
100,000-ticket event holds one batch in memory, not the event. Cells that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from seatguard.booking.models import Event, Order, OrderItem, Seat, Ticket
from seatguard.common.db import Database

BATCH = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ATTENDEE_COLUMNS = (
    "order_reference",
    "name",
    "email",
    "section",
    "row",
    "seat",
    "price",
    "currency",
    "status",
    "checked_in_at",
    "ticket_id",
)
ORDER_COLUMNS = (
    "order_reference",
    "order_id",
    "created_at",
    "completed_at",
    "status",
    "status_reason",
    "event",
    "event_starts_at",
    "name",
    "email",
    "seats",
    "amount",
    "currency",
    "payment_intent_id",
    "refund_id",
)


def reference(order_id: uuid.UUID) -> str:
    return order_id.hex[:8].upper()


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def major(amount_minor: int) -> str:
    return f"{amount_minor / 100:.2f}"


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header, then one chunk of CSV text per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(v) for v in row])
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _stream(db: Database, statement: Select[*tuple[Any, ...]]) -> Iterator[Any]:
    with db.reader() as session:
        result = session.execute(statement.execution_options(yield_per=BATCH))
        yield from result


def attendees_statement(event_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    statement: Select[*tuple[Any, ...]] = (
        select(
            Order.id,
            Order.customer_name,
            Order.customer_email,
            Seat.section,
            Seat.row,
            Seat.number,
            Seat.price_minor,
            Order.currency,
            Order.status,
            Ticket.checked_in_at,
            Ticket.id.label("ticket_id"),
        )
        .join_from(Ticket, Order, Order.id == Ticket.order_id)
        .join(Seat, Seat.id == Ticket.seat_id)
        .where(Order.event_id == event_id)
        .order_by(Seat.section, Seat.row, Seat.number, Ticket.id)
    )
    return statement


def attendee_rows(db: Database, event_id: uuid.UUID) -> Iterator[tuple[Any, ...]]:
    for r in _stream(db, attendees_statement(event_id)):
        yield (
            reference(r.id),
            r.customer_name,
            r.customer_email,
            r.section,
            r.row,
            r.number,
            major(r.price_minor),
            r.currency.upper(),
            r.status,
            r.checked_in_at,
            r.ticket_id,
        )


def orders_statement(
    *,
    event_id: uuid.UUID | None,
    created_from: datetime | None,
    created_before: datetime | None,
) -> Select[Any]:
    seats = (
        select(func.count(OrderItem.id))
        .where(OrderItem.order_id == Order.id)
        .correlate(Order)
        .scalar_subquery()
    )
    statement = (
        select(Order, Event.name, Event.starts_at, seats.label("seats"))
        .join_from(Order, Event, Event.id == Order.event_id)
        .order_by(Order.created_at, Order.id)
    )
    if event_id is not None:
        statement = statement.where(Order.event_id == event_id)
    if created_from is not None:
        statement = statement.where(Order.created_at >= created_from)
    if created_before is not None:
        statement = statement.where(Order.created_at < created_before)
    return statement


def order_rows(
    db: Database,
    *,
    event_id: uuid.UUID | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> Iterator[tuple[Any, ...]]:
    statement = orders_statement(
        event_id=event_id, created_from=created_from, created_before=created_before
    )
    for order, event_name, starts_at, seat_count in _stream(db, statement):
        yield (
            reference(order.id),
            order.id,
            order.created_at,
            order.completed_at,
            order.status,
            order.status_reason,
            event_name,
            starts_at,
            order.customer_name,
            order.customer_email,
            seat_count,
            major(order.amount_total),
            order.currency.upper(),
            order.payment_intent_id,
            order.refund_id,
        )
