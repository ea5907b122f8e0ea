"""``seatguard import-original``: copy accounts, events, seats and orders from the original.

Ids are preserved and rows already present are skipped, so running it twice changes nothing.
Soft-deleted rows are skipped. Holds do not survive a migration: LOCKED seats arrive AVAILABLE
and PENDING orders arrive EXPIRED (a late payment still completes them). Paid orders keep their
seats SOLD and, given the ticket key, get their tickets issued. Accounts go to the auth
tables' database with their bcrypt hashes (see :mod:`seatguard.compat.accounts`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from seatguard.booking.models import Event, Order, OrderItem, Seat
from seatguard.common.db import Database, make_engine
from seatguard.common.emails import is_valid_email
from seatguard.compat import original as src
from seatguard.compat.accounts import copy_accounts, read_accounts
from seatguard.tickets.issue import issue_tickets

TABLES = ("users", "events", "seats", "booking_orders", "checkouts", "tickets")
_T = TypeVar("_T")
ORDER_STATUSES = {"COMPLETED": "COMPLETED", "FAILED": "FAILED", "PENDING": "EXPIRED"}


@dataclass(slots=True)
class TableCount:
    table: str
    read: int = 0
    imported: int = 0
    existing: int = 0
    deleted: int = 0
    invalid: int = 0


@dataclass(slots=True)
class ImportReport:
    dry_run: bool
    counts: dict[str, TableCount] = field(
        default_factory=lambda: {t: TableCount(t) for t in TABLES}
    )
    notes: list[str] = field(default_factory=list)  # rows skipped for a reason worth reading

    def __getitem__(self, table: str) -> TableCount:
        return self.counts[table]


class _DryRun(Exception):
    pass


def _read(source_url: str, read: Callable[[Connection], _T]) -> _T:
    engine = make_engine(source_url, pool_size=1)
    try:
        with engine.connect() as conn:
            return read(conn)
    finally:
        engine.dispose()


def _read_tables(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    tables = {table: list(src.read_rows(conn, table)) for table in src.COLUMNS}
    return {**tables, "users": read_accounts(conn)}


def read_source(source_url: str) -> dict[str, list[dict[str, Any]]]:
    return _read(source_url, _read_tables)


def import_original(
    *,
    source_url: str,
    target: Database,
    now: datetime,
    dry_run: bool = False,
    private_key: Ed25519PrivateKey | None = None,
    auth_target: Database | None = None,
    auth_source_url: str | None = None,
) -> ImportReport:
    """Copy the original's data into ``target``; with ``dry_run`` nothing is written.

    Accounts are read from ``auth_source_url`` (default ``source_url``) and written to
    ``auth_target`` (default ``target``), in a transaction of their own.
    """
    rows = read_source(source_url)
    accounts = _read(auth_source_url, read_accounts) if auth_source_url else rows["users"]
    report = ImportReport(dry_run=dry_run)
    with _writing(auth_target or target, dry_run=dry_run) as session:
        copy_accounts(session, accounts, count=report["users"], notes=report.notes, now=now)
    with _writing(target, dry_run=dry_run) as session:
        _Copy(session, rows, report, now).run(private_key)
    return report


@contextmanager
def _writing(db: Database, *, dry_run: bool) -> Iterator[Session]:
    """A unit of work that commits, or with ``dry_run`` always rolls back."""
    try:
        with db.unit_of_work() as session:
            yield session
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass


class _Copy:
    def __init__(
        self, session: Session, rows: dict[str, list[dict[str, Any]]], report: ImportReport,
        now: datetime,
    ) -> None:  # fmt: skip
        self.session, self.rows, self.report, self.now = session, rows, report, now
        self.seat_event: dict[uuid.UUID, uuid.UUID] = {}
        self.seat_price: dict[uuid.UUID, int] = {}
        self.new_completed: list[uuid.UUID] = []

    def _present(self, model: Any, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        found: set[uuid.UUID] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found.update(self.session.scalars(select(model.id).where(model.id.in_(chunk))))
        return found

    def _live(self, table: str) -> list[tuple[uuid.UUID, dict[str, Any]]]:
        """Rows not soft-deleted and with a readable id (counted as they are sorted)."""
        count, live = self.report[table], []
        for row in self.rows[table]:
            count.read += 1
            row_id = src.as_uuid(row.get("id"))
            if row.get("deleted_at") is not None:
                count.deleted += 1
            elif row_id is None:
                count.invalid += 1
            else:
                live.append((row_id, row))
        return live

    def run(self, private_key: Ed25519PrivateKey | None) -> None:
        self.events()
        self.seats()
        self.orders()
        if private_key is not None:
            for order_id in self.new_completed:
                issued = issue_tickets(
                    self.session, order_id=order_id, private_key=private_key, now=self.now
                )
                self.report["tickets"].imported += len(issued)

    def events(self) -> None:
        live = self._live("events")
        present = self._present(Event, [i for i, _ in live])
        count = self.report["events"]
        for event_id, row in live:
            if event_id in present:
                count.existing += 1
                continue
            if not row.get("name") or not isinstance(row.get("date"), datetime):
                count.invalid += 1
                continue
            created = src.as_utc(row.get("created_at"), self.now)
            self.session.add(
                Event(
                    id=event_id,
                    name=str(row["name"])[:200],
                    description=row.get("description") or "",
                    location=str(row.get("location") or "")[:200],
                    gender=src.genre(row.get("gender")),
                    poster_url=str(row.get("poster_url") or "")[:500],
                    starts_at=src.as_utc(row["date"], self.now),
                    created_at=created,
                    updated_at=src.as_utc(row.get("updated_at"), created),
                )
            )
            count.imported += 1
        self.session.flush()

    def _completed_owner(self) -> dict[uuid.UUID, uuid.UUID]:
        """Seat → the oldest live COMPLETED order naming it."""
        owner: dict[uuid.UUID, uuid.UUID] = {}
        for row in self.rows["booking_orders"]:
            order_id = src.as_uuid(row.get("id"))
            if order_id and row.get("deleted_at") is None and row.get("status") == "COMPLETED":
                for seat_id in src.seat_ids(row.get("seat_ids")):
                    owner.setdefault(seat_id, order_id)
        return owner

    def seats(self) -> None:
        live = self._live("seats")
        count = self.report["seats"]
        events = set(self.session.scalars(select(Event.id)))
        columns = (Seat.id, Seat.event_id, Seat.section, Seat.row, Seat.number, Seat.price_minor)
        present = {s.id: s for s in self.session.execute(select(*columns)).all()}
        taken = {(s.event_id, s.section, s.row, s.number) for s in present.values()}
        owner = self._completed_owner()
        for seat_id, row in live:
            if seat_id in present:
                count.existing += 1
                self.seat_event[seat_id] = present[seat_id].event_id
                self.seat_price[seat_id] = present[seat_id].price_minor
                continue
            event_id = src.as_uuid(row.get("event_id"))
            price = src.dollars_to_minor(row.get("price"))
            section = str(row.get("section") or "GENERAL").strip().upper()[:40]
            seat_row, number = src.split_label(str(row.get("number") or ""))
            position = (event_id, section, seat_row, number)
            if event_id not in events or price is None or not number or position in taken:
                count.invalid += 1
                continue
            taken.add(position)
            sold = row.get("status") == "SOLD" or seat_id in owner
            self.session.add(
                Seat(
                    id=seat_id,
                    event_id=event_id,
                    section=section,
                    row=seat_row,
                    number=number,
                    price_minor=price,
                    status="SOLD" if sold else "AVAILABLE",
                    order_id=owner.get(seat_id),
                    updated_at=src.as_utc(row.get("updated_at"), self.now),
                )
            )
            self.seat_event[seat_id], self.seat_price[seat_id] = event_id, price
            count.imported += 1
        self.session.flush()

    def orders(self) -> None:
        live = self._live("booking_orders")
        count = self.report["booking_orders"]
        present = self._present(Order, [i for i, _ in live])
        checkouts = self._checkouts()
        sessions = set(self.session.scalars(select(Order.checkout_session_id)))
        owner = self._completed_owner()
        for order_id, row in live:
            if order_id in present:
                count.existing += 1
                self.report["checkouts"].existing += order_id in checkouts
                checkouts.pop(order_id, None)
                continue
            seats = [s for s in src.seat_ids(row.get("seat_ids")) if s in self.seat_event]
            status = ORDER_STATUSES.get(str(row.get("status") or "").upper())
            if not seats or status is None or not row.get("user_id"):
                count.invalid += 1
                continue  # its checkout row is counted invalid below
            provider_id = row.get("payment_provider_id") or None
            if provider_id in sessions:
                provider_id = None
            sessions.add(provider_id)
            checkout = checkouts.pop(order_id, {})
            created = src.as_utc(row.get("created_at"), self.now)
            updated = src.as_utc(row.get("updated_at"), created)
            amount = row.get("amount")
            self.session.add(
                Order(
                    id=order_id,
                    user_id=str(row["user_id"])[:64],
                    event_id=self.seat_event[seats[0]],
                    status=status,
                    status_reason="pending_at_import" if status == "EXPIRED" else None,
                    currency=str(checkout.get("currency") or "usd").lower()[:3],
                    amount_total=int(amount)
                    if amount is not None
                    else sum(self.seat_price[s] for s in seats),
                    checkout_session_id=provider_id,
                    payment_intent_id=checkout.get("payment_intent_id") or None,
                    customer_email=_email_or_none(checkout.get("customer_email")),
                    customer_name=checkout.get("customer_name") or None,
                    created_at=created,
                    updated_at=updated,
                    completed_at=updated if status == "COMPLETED" else None,
                )
            )
            self.session.flush()
            self.session.add_all(
                OrderItem(order_id=order_id, seat_id=s, amount=self.seat_price[s]) for s in seats
            )
            if checkout:
                self.report["checkouts"].imported += 1
            if status == "COMPLETED" and all(owner.get(s) == order_id for s in seats):
                self.new_completed.append(order_id)
            count.imported += 1
        self.report["checkouts"].invalid += len(checkouts)
        self.session.flush()

    def _checkouts(self) -> dict[uuid.UUID, dict[str, Any]]:
        count, found = self.report["checkouts"], {}
        for row in self.rows["checkouts"]:
            count.read += 1
            order_id = src.as_uuid(row.get("order_id"))
            if row.get("deleted_at") is not None:
                count.deleted += 1
            elif order_id is None:
                count.invalid += 1
            elif order_id in found:
                count.existing += 1  # a second row for the same order: the first wins
            else:
                found[order_id] = row
        return found


def _email_or_none(value: object) -> str | None:
    """The original stored any text here; an address no mail server would take is dropped."""
    return value.strip() if isinstance(value, str) and is_valid_email(value) else None
