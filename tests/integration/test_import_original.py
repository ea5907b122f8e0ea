"""``seatguard import-original`` against a real PostgreSQL database laid out like the original's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from seatguard.booking.models import Event, Order, OrderItem, Seat, Ticket
from seatguard.common.db import Database
from seatguard.compat.importer import import_original
from seatguard.compat.original import dollars_to_minor, split_label
from tests.support.postgres import scratch_database

KEY = Ed25519PrivateKey.generate()
NOW = datetime.now(UTC).replace(microsecond=0)

# The original's tables as GORM created them (uuid ids, soft delete, JSON text seat_ids).
SCHEMA = """
CREATE TABLE events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz, updated_at timestamptz,
  deleted_at timestamptz, name text NOT NULL, description text, location text, date timestamptz,
  price bigint NOT NULL, poster_url text, gender text, availability varchar(20) DEFAULT 'HIGH');
CREATE TABLE seats (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz, updated_at timestamptz,
  deleted_at timestamptz, section text, number text NOT NULL, price numeric,
  status varchar(20) DEFAULT 'AVAILABLE', locked_by text, locked_at timestamptz,
  event_id text NOT NULL, ticket_id text);
CREATE TABLE booking_orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz, updated_at timestamptz,
  deleted_at timestamptz, user_id text NOT NULL, amount bigint NOT NULL,
  status text DEFAULT 'PENDING', seat_ids text, payment_provider_id text);
CREATE TABLE checkouts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz, updated_at timestamptz,
  deleted_at timestamptz, order_id text, payment_provider text, payment_intent_id text,
  currency text, amount bigint, customer_email text, customer_name text, customer_id text);
CREATE TABLE ticket_pdfs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz, updated_at timestamptz,
  deleted_at timestamptz, order_id text, customer_email text, customer_name text,
  pdf_data bytea, pdf_version int);
"""

IDS = {name: uuid.uuid4() for name in (
    "rock", "gone", "A1", "A2", "B1", "G1", "G2", "G3", "dead_seat", "orphan_seat", "dup_A1",
    "paid", "pending", "failed", "deleted_order",
)}  # fmt: skip
DATE = datetime(2028, 5, 1, 23, 0, tzinfo=UTC)
LOCKED_UNTIL = NOW + timedelta(minutes=5)


def _fill(conn: psycopg.Cursor) -> None:
    conn.execute(SCHEMA)
    i = IDS
    conn.executemany(
        "INSERT INTO events (id, created_at, updated_at, deleted_at, name, description, location,"
        " date, price, poster_url, gender) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 300, %s, %s)",
        [
            (i["rock"], NOW, NOW, None, "Rock en el Río", "Noche", "River Plate", DATE,
             "https://img/rock.png", "ROCK"),
            (i["gone"], NOW, NOW, NOW, "Borrado", "", "Obras", DATE, "", "POP"),
        ],
    )  # fmt: skip
    seat = (
        "INSERT INTO seats (id, created_at, updated_at, deleted_at, section, number, price,"
        " status, locked_by, locked_at, event_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " %s, %s)"
    )
    rock, gone = str(i["rock"]), str(i["gone"])
    conn.executemany(
        seat,
        [
            (i["A1"], NOW, NOW, None, "VIP", "A1", 300.0, "AVAILABLE", None, None, rock),
            (i["A2"], NOW, NOW, None, "VIP", "A2", 19.995, "AVAILABLE", None, None, rock),
            (i["B1"], NOW, NOW, None, "PLATEA", "B1", 200, "LOCKED", "u-2", LOCKED_UNTIL, rock),
            (i["G1"], NOW, NOW, None, "GENERAL", "G1", 150, "SOLD", None, None, rock),
            (i["G2"], NOW, NOW, None, "GENERAL", "G2", 150, "SOLD", None, None, rock),
            (i["G3"], NOW, NOW, None, "GENERAL", "G3", 150, "AVAILABLE", None, None, rock),
            (i["dead_seat"], NOW, NOW, NOW, "GENERAL", "G9", 150, "AVAILABLE", None, None, rock),
            (i["orphan_seat"], NOW, NOW, None, "VIP", "A1", 300, "AVAILABLE", None, None, gone),
            (
                i["dup_A1"],
                NOW + timedelta(seconds=1),
                NOW,
                None,
                "VIP",
                "A1",
                300,
                "AVAILABLE",
                None,
                None,
                rock,
            ),
        ],
    )
    order = (
        "INSERT INTO booking_orders (id, created_at, updated_at, deleted_at, user_id, amount,"
        " status, seat_ids, payment_provider_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    conn.executemany(
        order,
        [
            (i["paid"], NOW, NOW, None, "u-1", 30000, "COMPLETED",
             json.dumps([str(i["G1"]), str(i["G2"])]), "cs_test_paid"),
            (i["pending"], NOW, NOW, None, "u-2", 20000, "PENDING",
             json.dumps([str(i["B1"])]), "cs_test_pending"),
            (i["failed"], NOW, NOW, None, "u-3", 15000, "FAILED",
             json.dumps([str(i["G3"])]), ""),
            (i["deleted_order"], NOW, NOW, NOW, "u-4", 15000, "COMPLETED",
             json.dumps([str(i["G3"])]), "cs_test_gone"),
        ],
    )  # fmt: skip
    conn.execute(
        "INSERT INTO checkouts (order_id, payment_provider, payment_intent_id, currency, amount,"
        " customer_email, customer_name, customer_id) VALUES (%s, 'stripe', 'pi_paid', 'USD',"
        " 30000, 'ana@example.com', 'Ana Peña', 'cus_1')",
        (str(i["paid"]),),
    )
    conn.execute("INSERT INTO ticket_pdfs (order_id, pdf_data) VALUES (%s, 'x')", (str(i["paid"]),))


@pytest.fixture(scope="module")
def original_url(postgres_url: str) -> Iterator[str]:
    """A second database on the test server with the original's layout and a few rows."""
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with scratch_database(plain, f"original_{os.getpid()}") as url:
        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            _fill(cursor)
        yield url


def test_labels_and_prices_convert_exactly():
    assert split_label("A1") == ("A", "1")
    assert split_label("g-07") == ("G", "7")
    assert split_label("101") == ("", "101")
    assert dollars_to_minor(19.995) == 2000
    assert dollars_to_minor(0.1 + 0.2) == 30
    assert dollars_to_minor(150) == 15000
    assert dollars_to_minor(-1) is None
    assert dollars_to_minor("n/a") is None


def test_import_copies_events_seats_and_orders(db: Database, original_url: str):
    report = import_original(source_url=original_url, target=db, now=NOW, private_key=KEY)
    i = IDS
    assert (report["events"].imported, report["events"].deleted) == (1, 1)
    seats = report["seats"]
    assert (seats.read, seats.imported, seats.deleted, seats.invalid) == (9, 6, 1, 2)
    orders = report["booking_orders"]
    assert (orders.imported, orders.deleted) == (3, 1)
    assert report["checkouts"].imported == 1
    assert report["tickets"].imported == 2

    with db.reader() as session:
        event = session.get(Event, i["rock"])
        assert event is not None
        assert (event.name, event.gender, event.starts_at) == ("Rock en el Río", "ROCK", DATE)
        assert event.poster_url == "https://img/rock.png"
        assert session.get(Event, i["gone"]) is None
        a2 = session.get(Seat, i["A2"])
        assert a2 is not None
        assert (a2.section, a2.row, a2.number, a2.price_minor) == ("VIP", "A", "2", 2000)
        b1 = session.get(Seat, i["B1"])
        assert b1 is not None
        assert (b1.status, b1.held_by, b1.held_until) == ("AVAILABLE", None, None)
        for sold in ("G1", "G2"):
            seat = session.get(Seat, i[sold])
            assert seat is not None
            assert (seat.status, seat.order_id) == ("SOLD", i["paid"])
        assert session.get(Seat, i["dead_seat"]) is None
        assert session.get(Seat, i["dup_A1"]) is None

        paid = session.get(Order, i["paid"])
        assert paid is not None
        assert (paid.status, paid.amount_total, paid.user_id) == ("COMPLETED", 30000, "u-1")
        assert (paid.checkout_session_id, paid.payment_intent_id) == ("cs_test_paid", "pi_paid")
        assert (paid.customer_email, paid.customer_name, paid.currency) == (
            "ana@example.com", "Ana Peña", "usd",
        )  # fmt: skip
        assert paid.event_id == i["rock"]
        pending = session.get(Order, i["pending"])
        assert pending is not None
        assert (pending.status, pending.status_reason) == ("EXPIRED", "pending_at_import")
        failed = session.get(Order, i["failed"])
        assert failed is not None
        assert (failed.status, failed.checkout_session_id) == ("FAILED", None)
        assert session.get(Order, i["deleted_order"]) is None
        items = session.scalars(select(OrderItem.seat_id).where(OrderItem.order_id == i["paid"]))
        assert set(items) == {i["G1"], i["G2"]}
        tickets = session.scalars(select(Ticket.seat_id).where(Ticket.order_id == i["paid"]))
        assert set(tickets) == {i["G1"], i["G2"]}


def _counts(db: Database) -> tuple[int, ...]:
    with db.reader() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Event, Seat, Order, OrderItem, Ticket)
        )


def test_running_it_again_changes_nothing(db: Database, original_url: str):
    import_original(source_url=original_url, target=db, now=NOW, private_key=KEY)
    before = _counts(db)
    again = import_original(source_url=original_url, target=db, now=NOW, private_key=KEY)
    assert _counts(db) == before
    assert again["events"].existing == 1
    assert again["seats"].existing == 6
    assert again["booking_orders"].existing == 3
    assert again["checkouts"].existing == 1
    assert sum(c.imported for c in again.counts.values()) == 0


def test_dry_run_writes_nothing(db: Database, original_url: str):
    report = import_original(source_url=original_url, target=db, now=NOW, dry_run=True)
    assert report.dry_run
    assert report["seats"].imported == 6
    assert _counts(db) == (0, 0, 0, 0, 0)


def test_the_command_prints_a_summary(original_url: str, tmp_path: Path):
    target = f"sqlite:///{tmp_path / 'imported.db'}"
    env = {
        **os.environ,
        "SEATGUARD_ENV": "test",
        "DATABASE_URL": target,
        "TICKET_KEY_FILE": str(tmp_path / "ticket-key.pem"),
        "COLUMNS": "120",
    }
    env.pop("DB_URL", None)
    command = [sys.executable, "-m", "seatguard", "import-original", original_url]
    dry = subprocess.run([*command, "--dry-run"], env=env, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout
    assert _counts(Database(target)) == (0, 0, 0, 0, 0)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = {
        cells[0]: cells[1:]
        for line in done.stdout.splitlines()
        if (cells := [c.strip() for c in line.strip("│ ").split("│")]) and len(cells) == 6
    }
    assert rows["seats"] == ["9", "6", "0", "1", "2"]  # read, imported, here, deleted, skipped
    assert rows["tickets"][1] == "2"
    assert _counts(Database(target)) == (1, 6, 3, 2 + 1 + 1, 2)
