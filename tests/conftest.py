"""Fixtures: every database test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

import seatguard.models  # noqa: F401
from seatguard.app import create_app
from seatguard.auth.migrate import upgrade as auth_upgrade
from seatguard.auth.models import AuthBase
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Base, Database
from seatguard.common.migrate import upgrade
from seatguard.common.security import Role, mint_token
from seatguard.settings import Settings
from tests.support.postgres import PostgresServer, start_postgres
from tests.support.smtp import smtp_server  # noqa: F401 - shared fixture

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_SECRET = "test-secret-with-enough-entropy-0123456789"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    if os.environ.get("SEATGUARD_TEST_POSTGRES_URL"):
        yield None
        return
    try:
        server = start_postgres()
    except (OSError, RuntimeError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and could not start: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer | None) -> str:
    """A migrated PostgreSQL database for this test session."""
    admin_url = os.environ.get("SEATGUARD_TEST_POSTGRES_URL") or (
        postgres_server.url if postgres_server else ""
    )
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"seatguard_test_{os.getpid()}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    auth_upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "seatguard.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    auth_upgrade(url)
    return url


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if backend == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


def wipe(db: Database) -> None:
    with db.unit_of_work() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
        for table in reversed(AuthBase.metadata.sorted_tables):
            session.execute(table.delete())


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    wipe(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    # Near real time: tokens and the payment sandbox check their own timestamps.
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(env="test", database_url=database_url, jwt_secret=TEST_SECRET)


@pytest.fixture
def app_client(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(settings, db=db, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def auth_header(settings: Settings) -> TokenFactory:
    """``auth_header("alice")`` → an Authorization header for that user."""

    def make(user_id: str, role: Role = Role.CUSTOMER, **kw: object) -> dict[str, str]:
        token = mint_token(settings, user_id=user_id, role=role, **kw)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture(scope="session")
def sqs_endpoint() -> Iterator[str]:
    """A real SQS-compatible HTTP endpoint (moto server) on loopback, with dummy credentials."""
    from tests.support.moto import REGION, start_moto

    try:
        server = start_moto()
    except (ImportError, OSError, RuntimeError) as exc:
        if IN_CI:
            pytest.fail(f"the SQS test endpoint is required in CI and could not start: {exc}")
        pytest.skip(f"SQS test endpoint unavailable: {exc}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.delenv("AWS_SESSION_TOKEN", raising=False)
        mp.delenv("AWS_PROFILE", raising=False)
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        yield server.url
    server.stop()
