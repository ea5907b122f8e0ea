"""``seatguard import-original DB_URL [--auth-db URL] [--dry-run]``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from seatguard.common.clock import system_clock
from seatguard.common.db import Database
from seatguard.settings import get_settings

if TYPE_CHECKING:
    from seatguard.compat.importer import ImportReport

console = Console()


def summary_table(report: ImportReport) -> Table:
    title = "Import from the original (dry run: nothing written)" if report.dry_run else None
    table = Table(title=title or "Import from the original")
    for column in ("table", "read", "imported", "already here", "deleted", "skipped"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for c in report.counts.values():
        table.add_row(
            c.table, str(c.read), str(c.imported), str(c.existing), str(c.deleted), str(c.invalid)
        )
    return table


def import_original_command(
    source: Annotated[str, typer.Argument(help="The original's PostgreSQL URL", metavar="DB_URL")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report without writing")] = False,
    tickets: Annotated[bool, typer.Option(help="Issue tickets for paid orders")] = True,
    auth_db: Annotated[
        str | None,
        typer.Option(
            "--auth-db",
            help="The original auth service's PostgreSQL URL, when not DB_URL",
            metavar="URL",
        ),
    ] = None,
) -> None:
    """Copy accounts, events, seats and orders from the original's database (idempotent)."""
    from seatguard.auth.migrate import upgrade as upgrade_auth
    from seatguard.common.migrate import upgrade
    from seatguard.tickets.keys import load_ticket_keys

    settings = get_settings()
    upgrade(settings.database_url)
    upgrade_auth(settings.auth_db_url)
    key = load_ticket_keys(settings).private_key if tickets else None
    # Imported here: every ``seatguard`` command (the worker too) imports this module.
    from seatguard.auth.deps import open_auth_database
    from seatguard.compat.importer import import_original

    db = Database(settings.database_url)
    accounts = open_auth_database(settings, db)
    try:
        report = import_original(
            source_url=source,
            target=db,
            now=system_clock(),
            dry_run=dry_run,
            private_key=key,
            auth_target=accounts,
            auth_source_url=auth_db,
        )
    finally:
        if accounts is not db:
            accounts.dispose()
        db.dispose()
    console.print(summary_table(report))
    for note in report.notes:
        console.print(f"skipped: {note}", highlight=False)
