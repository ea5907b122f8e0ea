"""Demo data like the original's: concerts in Buenos Aires, 100 seats each, a share sold.

Ids are derived from names (uuid5), so seeding twice changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from seatguard.booking.demo_posters import poster_url
from seatguard.booking.domain import Genre, SeatStatus
from seatguard.booking.models import Event, Order, OrderItem, Seat, Ticket
from seatguard.common.errors import Conflict

NAMESPACE = uuid.UUID("6f1f0f4e-3f5e-4c55-9a55-5ea79a4d0000")

# (name, artist, venue, genre)
DEMO_EVENTS: list[tuple[str, str, str, Genre]] = [
    ("Noche Electrónica", "Bresh", "Estadio Obras, Buenos Aires", Genre.ELECTRONICA),
    ("Rock en el Río", "Los Tipitos", "Estadio River Plate, Buenos Aires", Genre.ROCK),
    ("Pop Gira Mundial", "Lali", "Movistar Arena, Buenos Aires", Genre.POP),
    ("Jazz bajo las Estrellas", "Escalandrum", "Usina del Arte, Buenos Aires", Genre.JAZZ),
    ("Teatro de Revista", "Compañía Maipo", "Teatro Maipo, Buenos Aires", Genre.TEATRO),
    ("Festival Variedades", "Varios artistas", "Tecnópolis, Buenos Aires", Genre.VARIOS),
    ("Metal Sin Fronteras", "Almafuerte", "Estadio Obras, Buenos Aires", Genre.METAL),
    ("Rock Nacional Clásico", "Divididos", "Estadio Vélez, Buenos Aires", Genre.ROCK),
    ("Electro Sunset", "Hernán Cattáneo", "Costanera Sur, Buenos Aires", Genre.ELECTRONICA),
    ("Pop en Vivo", "Tini", "Estadio Único, La Plata", Genre.POP),
    ("Jazz Club Night", "Ernesto Jodos Trío", "Thelonious Club, Buenos Aires", Genre.JAZZ),
    ("Metal Fest", "Rata Blanca", "Teatro Flores, Buenos Aires", Genre.METAL),
]

# (section, row, seats, price in minor units) — VIP A1–A15, PLATEA B1–B35, GENERAL G1–G50
LAYOUT: list[tuple[str, str, int, int]] = [
    ("VIP", "A", 15, 30000),
    ("PLATEA", "B", 35, 20000),
    ("GENERAL", "G", 50, 15000),
]

FIRST_DATE = datetime(2028, 3, 6, 23, 0, tzinfo=UTC)


def event_id_for(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"event:{name}")


def seed_demo(session: Session, *, now: datetime) -> int:
    """Insert the demo events that are missing; returns how many were added."""
    ids = {event_id_for(name): i for i, (name, *_rest) in enumerate(DEMO_EVENTS)}
    present = set(session.scalars(select(Event.id).where(Event.id.in_(ids))).all())
    added = 0
    for index, (name, artist, venue, genre) in enumerate(DEMO_EVENTS):
        event_id = event_id_for(name)
        if event_id in present:
            continue
        session.add(
            Event(
                id=event_id,
                name=name,
                artist=artist,
                description=f"{artist} en vivo en {venue.split(',')[0]}.",
                location=venue,
                gender=genre.value,
                poster_url=poster_url(name),
                starts_at=FIRST_DATE + timedelta(days=37 * index),
                timezone="America/Argentina/Buenos_Aires",
                currency="usd",
                status="ON_SALE",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        sold_every = 3 + index % 5  # a different share sold per event
        rows = []
        position = 0
        for section, row, count, price in LAYOUT:
            for n in range(1, count + 1):
                position += 1
                rows.append(
                    {
                        "id": uuid.uuid5(event_id, f"{section}:{row}:{n}"),
                        "event_id": event_id,
                        "section": section,
                        "row": row,
                        "number": str(n),
                        "price_minor": price,
                        "status": (
                            SeatStatus.SOLD.value
                            if position % sold_every == 0
                            else SeatStatus.AVAILABLE.value
                        ),
                        "version": 0,
                        "updated_at": now,
                    }
                )
        session.execute(insert(Seat), rows)
        added += 1
    return added


@dataclass(frozen=True, slots=True, kw_only=True)
class Sales:
    orders: int
    tickets: int


class ResetWouldDeleteSales(Conflict):
    code = "reset_would_delete_sales"

    def __init__(self, sales: Sales) -> None:
        super().__init__(
            f"This database holds {sales.orders} orders and {sales.tickets} tickets; "
            "--reset would delete them. Add --force to delete them anyway.",
            details={"orders": sales.orders, "tickets": sales.tickets},
        )
        self.sales = sales


def count_sales(session: Session) -> Sales:
    orders = session.scalar(select(func.count()).select_from(Order)) or 0
    tickets = session.scalar(select(func.count()).select_from(Ticket)) or 0
    return Sales(orders=orders, tickets=tickets)


def reset_booking_data(session: Session, *, force: bool = False) -> Sales:
    """Delete every booking row (``seatguard seed --reset``); returns what was deleted.

    Refuses (``ResetWouldDeleteSales``) when orders or tickets exist, unless ``force``."""
    sales = count_sales(session)
    if (sales.orders or sales.tickets) and not force:
        raise ResetWouldDeleteSales(sales)
    session.execute(update(Seat).values(order_id=None))
    for table in (Ticket, OrderItem, Order, Seat, Event):
        session.execute(delete(table))
    return sales
