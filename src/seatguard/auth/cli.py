"""``seatguard auth`` and ``seatguard users …``: the auth service and account chores."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from seatguard.auth import service
from seatguard.auth.models import User
from seatguard.auth.passwords import default_passwords
from seatguard.common.clock import system_clock
from seatguard.common.db import Database, normalise_url
from seatguard.common.errors import AppError, NotFound
from seatguard.common.logging import configure_logging, logging_config
from seatguard.common.metrics import reset_multiprocess_metrics
from seatguard.common.security import Role
from seatguard.common.shutdown import exit_cleanly_after_uvicorn
from seatguard.settings import get_settings

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
console = Console()


def serve_auth(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (AUTH_PORT, 3000)")] = None,
    workers: Annotated[int | None, typer.Option(help="uvicorn worker processes")] = None,
) -> None:
    """The auth service alone: register, login, me, JWKS. Migrates its tables first."""
    settings = get_settings()
    configure_logging(settings)
    _migrate(settings.auth_db_url)
    reset_multiprocess_metrics()
    exit_cleanly_after_uvicorn()
    uvicorn.run(
        "seatguard.app:auth_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.auth_port,
        workers=workers or settings.workers,
        log_level="warning",
        log_config=logging_config(settings),
        **settings.uvicorn_proxy_options,
    )


def _migrate(url: str) -> None:
    from seatguard.auth.migrate import upgrade  # Alembic loads only when it is needed

    upgrade(url)


def _database() -> Database:
    settings = get_settings()
    _migrate(settings.auth_db_url)
    return Database(settings.auth_db_url)


@users_app.command("create-admin")
def create_admin(
    email: str,
    password: Annotated[
        str | None, typer.Option(help="needed for a new account; asked for when missing")
    ] = None,
) -> None:
    """Make EMAIL an admin: promote the account, or create it."""
    db = _database()
    try:
        try:
            user, created = service.create_admin(
                db, passwords=default_passwords, email=email, password=password, now=system_clock()
            )
        except AppError as exc:
            if exc.code != "password_required":
                raise
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
            user, created = service.create_admin(
                db, passwords=default_passwords, email=email, password=password, now=system_clock()
            )
    except AppError as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    console.print(f"{'created' if created else 'promoted'} admin {user.email} ({user.id})")


@users_app.command("revoke")
def revoke(email: str) -> None:
    """End every session of the account EMAIL (each token it holds stops working)."""
    settings = get_settings()
    user = _audited(email, role=None)
    console.print(
        f"ended every session of {user.email}: its tokens are refused within "
        f"{settings.role_cache_seconds:g} s; it can log in again"
    )


@users_app.command("set-role")
def set_role(email: str, role: Role) -> None:
    """Give the account EMAIL the role ROLE (customer, staff or admin)."""
    user = _audited(email, role=role)
    console.print(f"{user.email} is now {user.role}")


def _audited(email: str, *, role: Role | None) -> User:
    """Give EMAIL the role (or, without one, end its sessions) and write it to the audit log
    with the actor ``cli``: the same service functions as the back office."""
    from seatguard.admin import team  # the booking side loads only for these commands
    from seatguard.common.migrate import upgrade

    settings = get_settings()
    auth_db = _database()
    upgrade(settings.database_url)
    db = auth_db if auth_db.url == normalise_url(settings.database_url) else None
    db = db or Database(settings.database_url)
    try:
        with auth_db.reader() as session:
            found = service.find_user(session, email=email)
        if found is None:
            raise NotFound("No account has this email.", code="user_not_found")
        if role is None:
            return team.revoke_sessions(
                auth_db=auth_db, db=db, actor=team.CLI, user_id=found.id, now=system_clock()
            )
        return team.change_role(
            auth_db=auth_db, db=db, actor=team.CLI, user_id=found.id, role=role, now=system_clock()
        )
    except AppError as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    finally:
        auth_db.dispose()
        if db is not auth_db:
            db.dispose()
