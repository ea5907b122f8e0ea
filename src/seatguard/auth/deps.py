"""FastAPI dependencies of the auth routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from seatguard.auth.passwords import Passwords, default_passwords
from seatguard.auth.throttle import ThrottlePolicy
from seatguard.common.db import Database, normalise_url
from seatguard.settings import Settings


def open_auth_database(settings: Settings, database: Database) -> Database:
    """The auth tables' database: ``database`` itself unless AUTH_DATABASE_URL names another."""
    if normalise_url(settings.auth_db_url) == database.url:
        return database
    return Database(settings.auth_db_url, pool_size=settings.db_pool_size)


def get_auth_database(request: Request) -> Database:
    db: Database = getattr(request.app.state, "auth_db", None) or request.app.state.db
    return db


def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = getattr(request.app.state, "passwords", None) or default_passwords
    return passwords


def get_policy(request: Request) -> ThrottlePolicy:
    return ThrottlePolicy.from_settings(request.app.state.settings)


def get_client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


AuthDatabaseDep = Annotated[Database, Depends(get_auth_database)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
PolicyDep = Annotated[ThrottlePolicy, Depends(get_policy)]
ClientAddress = Annotated[str | None, Depends(get_client_address)]
