"""``seatguard queue …``: how deep the queue is, what died in it, and sending it back."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from seatguard.common.db import Database
from seatguard.queue.base import DeadLetters, Queue
from seatguard.queue.factory import build_queue
from seatguard.queue.relay import RELAY_INTERVAL, outbox_of
from seatguard.settings import get_settings
from seatguard.worker.runner import stop_on_signals

queue_app = typer.Typer(
    help="The job queue: depth, dead letters, redrive, outbox relay.", no_args_is_help=True
)

NameOpt = Annotated[str, typer.Option(help="queue name (database queue)")]


@contextmanager
def _open(name: str) -> Iterator[Queue]:
    settings = get_settings()
    db = Database(settings.database_url)
    try:
        yield build_queue(settings, db, name=name)
    finally:
        db.dispose()


def _dead_letters(queue: Queue) -> DeadLetters:
    if not isinstance(queue, DeadLetters):
        typer.echo("This queue has no dead-letter queue to inspect.", err=True)
        raise typer.Exit(2)
    return queue


@queue_app.command("depth")
def depth(name: NameOpt = "default") -> None:
    """Print ready, in-flight, delayed and dead message counts (and the SQS outbox) as JSON."""
    with _open(name) as queue:
        counts = queue.depth()
        outbox = outbox_of(queue)
        if outbox is not None:
            counts["outbox"] = outbox.pending()
        typer.echo(json.dumps(counts))


@queue_app.command("dead")
def dead(name: NameOpt = "default", limit: int = 20) -> None:
    """List dead-lettered jobs (database queue or SQS dead-letter queue), one JSON a line."""
    with _open(name) as queue:
        for job in _dead_letters(queue).dead_jobs(limit=limit):
            line = {
                "id": job.id,
                "type": job.body.get("type"),
                "attempts": job.attempts,
                "deadAt": job.dead_at.isoformat() if job.dead_at else None,
                "lastError": job.last_error,
            }
            typer.echo(json.dumps(line))


@queue_app.command("redrive")
def redrive(
    ids: Annotated[
        list[str] | None, typer.Argument(help="job or SQS message ids (default: all dead)")
    ] = None,
    name: NameOpt = "default",
) -> None:
    """Give dead jobs a fresh set of attempts (on SQS: move them back to the queue)."""
    with _open(name) as queue:
        count = _dead_letters(queue).redrive_dead(ids or None)
    typer.echo(f"redrove {count} jobs")


@queue_app.command("relay")
def relay(once: bool = False) -> None:
    """Send the SQS outbox's messages (every booking process, worker and sweeper does too)."""
    with _open("default") as queue:
        outbox = outbox_of(queue)
        if outbox is None:
            typer.echo("The database queue has no outbox: nothing to relay.")
            return
        if once:
            typer.echo(f"relayed {outbox.drain()} messages; {outbox.pending()} waiting")
            return
        stop = threading.Event()
        stop_on_signals(stop)
        outbox.run(stop, interval=RELAY_INTERVAL)
