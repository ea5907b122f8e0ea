"""``seatguard tickets …``: verify a code offline, print the public key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seatguard.common.errors import AppError
from seatguard.settings import get_settings
from seatguard.tickets.codes import verify_code
from seatguard.tickets.keys import TicketKeyError, load_ticket_keys, parse_public_key

tickets_app = typer.Typer(help="Ticket codes.", no_args_is_help=True)


@tickets_app.command("verify")
def verify(
    code: str,
    public_key: Annotated[
        Path | None,
        typer.Option(help="PEM or base64url public key file (default: from TICKET_SIGNING_KEY)"),
    ] = None,
) -> None:
    """Check a ticket code's signature offline and print what it says."""
    try:
        key = (
            parse_public_key(public_key.read_text())
            if public_key
            else load_ticket_keys(get_settings()).public_key
        )
    except (OSError, TicketKeyError) as exc:
        typer.echo(f"cannot read the public key: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        claims = verify_code(code, key)
    except AppError as exc:
        typer.echo(f"INVALID ({exc.code}): {exc.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo("VALID")
    typer.echo(f"ticket: {claims.ticket_id}")
    typer.echo(f"event:  {claims.event_id}")
    typer.echo(f"seat:   {claims.seat_label}")


@tickets_app.command("public-key")
def public_key_cmd() -> None:
    """Print the public key (PEM) that door scanners need."""
    typer.echo(load_ticket_keys(get_settings()).public_pem, nl=False)
