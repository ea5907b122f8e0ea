"""The original's accounts come across with their bcrypt hashes and log in through the real app.

The source is a real PostgreSQL database laid out like the original's: Prisma's ``"User"`` table
beside the booking service's GORM tables. The target is SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from seatguard.auth import service
from seatguard.auth.models import User
from seatguard.auth.passwords import Passwords
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.compat.importer import import_original
from tests.integration.test_import_original import SCHEMA
from tests.support.postgres import scratch_database

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CREATED = datetime(2025, 6, 1, 9, 30, 15, 123000)  # Prisma's timestamp(3), naive UTC
LONG = "xx" + "ñandú-" * 12 + "xx"  # 100 UTF-8 bytes; node's bcrypt hashed the first 72

# email as stored by the original → (password, hash prefix, name)
ACCOUNTS = {
    "ana.lopez@example.com": ("Entradas#2028", "$2b$", "Ana López"),
    "bruno@example.com": ("Rock&Roll-99", "$2a$", None),
    "carla@example.com": (LONG, "$2b$", "Carla"),
    "dora@example.com": ("password", "$2b$", "Dora"),  # too common for SeatGuard's policy
    "eva@example.com": ("Original#Eva1", "$2b$", "Eva"),  # registered here again meanwhile
}
IDS = {email: str(uuid.uuid4()) for email in (*ACCOUNTS, "broken@example.com")}
EVENT, SEAT_1, SEAT_2, ORDER = (uuid.uuid4() for _ in range(4))


def original_hash(password: str, prefix: str) -> str:
    """As node's bcrypt made it: cost lowered for speed, only the first 72 bytes hashed."""
    made = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(rounds=4)).decode()
    return prefix + made[4:]


def _fill(cursor: psycopg.Cursor) -> None:
    cursor.execute(SCHEMA)
    cursor.execute(
        'CREATE TABLE "User" (id text PRIMARY KEY, email text NOT NULL UNIQUE,'
        " password text NOT NULL, name text,"
        ' "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP)'
    )
    rows = [
        (IDS[email], email, original_hash(password, prefix), name, CREATED)
        for email, (password, prefix, name) in ACCOUNTS.items()
    ]
    rows.append((IDS["broken@example.com"], "broken@example.com", "not-a-hash", None, CREATED))
    cursor.executemany(
        'INSERT INTO "User" (id, email, password, name, "createdAt") VALUES (%s, %s, %s, %s, %s)',
        rows,
    )
    cursor.execute(
        "INSERT INTO events (id, created_at, updated_at, name, location, date, price, gender)"
        " VALUES (%s, %s, %s, 'Jazz en el Colón', 'Teatro Colón', %s, 200, 'JAZZ')",
        (EVENT, NOW, NOW, datetime(2028, 9, 1, 21, 0, tzinfo=UTC)),
    )
    cursor.executemany(
        "INSERT INTO seats (id, created_at, updated_at, section, number, price, status, event_id)"
        " VALUES (%s, %s, %s, 'PLATEA', %s, 200, 'SOLD', %s)",
        [(SEAT_1, NOW, NOW, "B1", str(EVENT)), (SEAT_2, NOW, NOW, "B2", str(EVENT))],
    )
    cursor.execute(
        "INSERT INTO booking_orders (id, created_at, updated_at, user_id, amount, status, seat_ids,"
        " payment_provider_id) VALUES (%s, %s, %s, %s, 40000, 'COMPLETED', %s, 'cs_test_ana')",
        (ORDER, NOW, NOW, IDS["ana.lopez@example.com"], json.dumps([str(SEAT_1), str(SEAT_2)])),
    )


@pytest.fixture(scope="module")
def original_url(postgres_url: str) -> Iterator[str]:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with scratch_database(plain, f"original_users_{os.getpid()}") as url:
        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            _fill(cursor)
        yield url


@pytest.fixture
def eva_here(db: Database, clock: FrozenClock) -> User:
    """Eva registered in SeatGuard before the import, so her email has another id here."""
    return service.register(
        db,
        passwords=Passwords(),
        email="Eva@example.com",
        password="a new seatguard passphrase",
        name="Eva",
        now=clock(),
    )


def login(client: TestClient, email: str, password: str):
    return client.post("/auth/login", json={"email": email, "password": password})


def stored(db: Database, email: str) -> User:
    with db.reader() as session:
        return session.scalars(select(User).where(User.email == email)).one()


def test_accounts_are_copied_with_their_ids_and_hashes(
    db: Database, original_url: str, eva_here: User
):
    report = import_original(source_url=original_url, target=db, now=NOW)
    users = report["users"]
    assert (users.read, users.imported, users.existing, users.invalid) == (6, 4, 0, 2)
    assert any("eva@example.com" in n and eva_here.id in n for n in report.notes)
    assert any(IDS["broken@example.com"] in n for n in report.notes)

    ana = stored(db, "ana.lopez@example.com")
    assert (ana.id, ana.name, ana.role) == (IDS["ana.lopez@example.com"], "Ana López", "customer")
    assert ana.created_at == CREATED.replace(tzinfo=UTC)
    assert ana.password_hash.startswith("$2b$04$")
    assert stored(db, "bruno@example.com").password_hash.startswith("$2a$")
    assert stored(db, "bruno@example.com").name == ""
    eva = stored(db, "eva@example.com")  # not overwritten
    assert (eva.id, eva.password_hash[:10]) == (eva_here.id, "$argon2id$")
    with db.reader() as session:
        assert session.get(User, IDS["broken@example.com"]) is None
        assert session.get(User, IDS["eva@example.com"]) is None


@pytest.mark.parametrize(
    "email", ["ana.lopez@example.com", "bruno@example.com", "carla@example.com", "dora@example.com"]
)
def test_an_imported_account_logs_in_once_with_bcrypt_then_with_argon2id(
    app_client: TestClient, db: Database, original_url: str, email: str
):
    import_original(source_url=original_url, target=db, now=NOW)
    password = ACCOUNTS[email][0]
    wrong = login(app_client, email, "!" + password)
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_credentials")
    assert stored(db, email).password_hash.startswith(ACCOUNTS[email][1])  # still bcrypt

    first = login(app_client, email.upper(), password)
    assert first.status_code == 200, first.text
    upgraded = stored(db, email).password_hash
    assert upgraded.startswith("$argon2id$")
    assert not Passwords().needs_rehash(upgraded)

    assert login(app_client, email, password).status_code == 200
    assert stored(db, email).password_hash == upgraded  # not redone
    assert login(app_client, email, "!" + password).status_code == 401


def test_the_long_password_counts_in_full_once_upgraded(
    app_client: TestClient, db: Database, original_url: str
):
    import_original(source_url=original_url, target=db, now=NOW)
    same_first_72_bytes = LONG[:60] + "a different ending"
    assert login(app_client, "carla@example.com", LONG).status_code == 200
    assert login(app_client, "carla@example.com", same_first_72_bytes).status_code == 401
    assert login(app_client, "carla@example.com", LONG).status_code == 200


def test_an_imported_accounts_token_sees_its_imported_orders(
    app_client: TestClient, db: Database, original_url: str
):
    import_original(source_url=original_url, target=db, now=NOW)
    token = login(app_client, "ana.lopez@example.com", "Entradas#2028").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ana = IDS["ana.lopez@example.com"]
    by_user = app_client.get(f"/api/v1/booking-orders/user/{ana}", headers=headers)
    assert by_user.status_code == 200, by_user.text
    assert [o["id"] for o in by_user.json()] == [str(ORDER)]
    mine = app_client.get("/api/v1/booking-orders", headers=headers)
    assert [o["id"] for o in mine.json()] == [str(ORDER)]
    me = app_client.get("/auth/me", headers=headers).json()
    assert (me["id"], me["email"]) == (ana, "ana.lopez@example.com")


def test_running_it_again_changes_nothing_and_keeps_upgraded_hashes(
    app_client: TestClient, db: Database, original_url: str
):
    import_original(source_url=original_url, target=db, now=NOW)
    assert login(app_client, "dora@example.com", "password").status_code == 200
    upgraded = stored(db, "dora@example.com").password_hash
    again = import_original(source_url=original_url, target=db, now=NOW)
    users = again["users"]
    assert (users.read, users.imported, users.existing, users.invalid) == (6, 0, 5, 1)
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 5
    assert stored(db, "dora@example.com").password_hash == upgraded


def test_dry_run_counts_accounts_and_writes_none(db: Database, original_url: str):
    report = import_original(source_url=original_url, target=db, now=NOW, dry_run=True)
    assert report["users"].imported == 5
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_accounts_are_read_from_the_auth_source_when_it_is_another_database(
    db: Database, original_url: str
):
    no_accounts = original_url.rsplit("/", 1)[0] + "/postgres"
    report = import_original(
        source_url=original_url, target=db, now=NOW, auth_source_url=no_accounts
    )
    assert report["users"].read == 0
    assert report["booking_orders"].imported == 1


@pytest.mark.parametrize("password_hash", ["$2b$12$garbage", "$argon2id$v=19$m=1,t=1,p=1$x", ""])
def test_a_malformed_stored_hash_is_401_never_500(
    app_client: TestClient, db: Database, password_hash: str
):
    with db.unit_of_work() as session:
        session.add(
            User(
                id=str(uuid.uuid4()),
                email="odd@example.com",
                password_hash=password_hash,
                name="",
                role="customer",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    answer = login(app_client, "odd@example.com", "Entradas#2028")
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_credentials")


def test_the_command_writes_accounts_to_the_auth_database(original_url: str, tmp_path: Path):
    booking, auth = tmp_path / "booking.db", tmp_path / "auth.db"
    env = {
        **os.environ,
        "SEATGUARD_ENV": "test",
        "DATABASE_URL": f"sqlite:///{booking}",
        "AUTH_DATABASE_URL": f"sqlite:///{auth}",
        "TICKET_KEY_FILE": str(tmp_path / "ticket-key.pem"),
        "COLUMNS": "160",
    }
    env.pop("DB_URL", None)
    command = [sys.executable, "-m", "seatguard", "import-original", original_url, "--no-tickets"]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = {
        cells[0]: cells[1:]
        for line in done.stdout.splitlines()
        if (cells := [c.strip() for c in line.strip("│ ").split("│")]) and len(cells) == 6
    }
    assert rows["users"] == ["6", "5", "0", "0", "1"]  # read, imported, here, deleted, skipped
    assert IDS["broken@example.com"] in done.stdout
    with sqlite3.connect(auth) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (5,)
    with sqlite3.connect(booking) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "users" not in tables
        assert conn.execute("SELECT user_id FROM orders").fetchall() == [
            (IDS["ana.lopez@example.com"],)
        ]
