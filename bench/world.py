"""The benchmark's world: a fresh database, an event of N seats, signed tokens, the audit."""

from __future__ import annotations

import itertools
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bench.pg import Cluster
from seatguard.booking.catalogue import create_event
from seatguard.booking.domain import Genre
from seatguard.booking.models import Order, OrderItem, Seat, Ticket
from seatguard.booking.schemas import EventIn, RowIn, SectionIn
from seatguard.common.db import Database
from seatguard.common.security import mint_token
from seatguard.settings import Settings

BENCH_SECRET = "bench-jwt-secret-0123456789abcdef0123456789abcdef"  # noqa: S105 - loopback only
SEATS_PER_ROW = 1000
_names = itertools.count(1)


@dataclass
class World:
    """Where one run happens: a migrated database and a scratch folder."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    workdir: Path
    settings: Settings = field(init=False)

    def __post_init__(self) -> None:
        self.settings = Settings(env="test", database_url=self.url, jwt_secret=BENCH_SECRET)

    def database(self) -> Database:
        return Database(self.url, pool_size=2)

    def server_env(self, **extra: str) -> dict[str, str]:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from seatguard.tickets.keys import private_key_pem

        return {
            "SEATGUARD_ENV": "production",
            "SEATGUARD_SANDBOX_ENABLED": "true",  # production settings, test payments
            "DATABASE_URL": self.url,
            "JWT_SECRET": BENCH_SECRET,
            "TICKET_SIGNING_KEY": private_key_pem(Ed25519PrivateKey.generate()),
            "EMAIL_OUTBOX_DIR": str(self.workdir / "outbox"),
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    def headers(self, user_id: str) -> dict[str, str]:
        token = mint_token(self.settings, user_id=user_id, email=f"{user_id}@bench.test")
        return {"Authorization": f"Bearer {token}"}


def new_world(kind: str, *, cluster: Cluster | None, root: Path | None = None) -> World:
    """A fresh migrated database of ``kind`` (a new database in ``cluster`` for PostgreSQL)."""
    from seatguard.auth.migrate import upgrade as auth_upgrade
    from seatguard.common.migrate import upgrade

    workdir = Path(tempfile.mkdtemp(prefix="seatguard-bench-", dir=root))
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    elif kind == "postgresql":
        if cluster is None:
            raise ValueError("PostgreSQL runs need a cluster")
        url = cluster.create_database(f"bench_{next(_names)}_{uuid.uuid4().hex[:6]}")
    else:
        raise ValueError(f"unknown database {kind!r}")
    upgrade(url)
    auth_upgrade(url)
    return World(kind=kind, url=url, workdir=workdir)


def make_event(world: World, *, seats: int, price_minor: int = 5000) -> list[uuid.UUID]:
    """An on-sale event of ``seats`` seats (rows of 1,000); returns seat ids in seat order."""
    now = datetime.now(UTC)
    rows = [
        RowIn(row=f"R{i + 1}", seats=min(SEATS_PER_ROW, seats - i * SEATS_PER_ROW))
        for i in range((seats + SEATS_PER_ROW - 1) // SEATS_PER_ROW)
    ]
    data = EventIn(
        name="Benchmark night",
        location="Loopback Arena",
        gender=Genre.ROCK,
        date=now + timedelta(days=30),
        sections=[SectionIn(name="GENERAL", price_minor=price_minor, rows=rows)],
    )
    db = world.database()
    try:
        with db.unit_of_work() as session:
            event_id = create_event(session, data=data, now=now)
        with db.reader() as session:
            ids = session.scalars(
                select(Seat.id).where(Seat.event_id == event_id).order_by(Seat.row, Seat.number)
            ).all()
    finally:
        db.dispose()
    return list(ids)


@dataclass(frozen=True, slots=True)
class Audit:
    """Oversell evidence straight from the database: must all be zero."""

    seats_with_two_tickets: int
    sold_seats_with_two_completed_items: int

    @property
    def oversold(self) -> int:
        return self.seats_with_two_tickets + self.sold_seats_with_two_completed_items


def audit(world: World) -> Audit:
    db = world.database()
    try:
        with db.reader() as session:
            doubled_tickets = (
                select(Ticket.seat_id).group_by(Ticket.seat_id).having(func.count() > 1).subquery()
            )
            doubled_items = (
                select(OrderItem.seat_id)
                .join(Order, Order.id == OrderItem.order_id)
                .join(Seat, Seat.id == OrderItem.seat_id)
                .where(Order.status == "COMPLETED", Seat.status == "SOLD")
                .group_by(OrderItem.seat_id)
                .having(func.count() > 1)
                .subquery()
            )
            tickets = session.scalar(select(func.count()).select_from(doubled_tickets)) or 0
            items = session.scalar(select(func.count()).select_from(doubled_items)) or 0
    finally:
        db.dispose()
    return Audit(seats_with_two_tickets=tickets, sold_seats_with_two_completed_items=items)


def sqlite_version(world: World) -> str:
    db = world.database()
    try:
        with db.reader() as session:
            if world.kind == "sqlite":
                return str(session.scalar(text("select sqlite_version()")))
            return str(session.scalar(text("show server_version")))
    finally:
        db.dispose()
