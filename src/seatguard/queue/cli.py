"""``seatguard queue …``: how deep the queue is, what died in it, and sending it back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from seatguard.common.db import Database
from seatguard.queue.base import Queue
from seatguard.queue.db_queue import DatabaseQueue
from seatguard.queue.factory import build_queue
from seatguard.settings import get_settings

queue_app = typer.Typer(help="The job queue: depth, dead letters, redrive.", no_args_is_help=True)

NameOpt = Annotated[str, typer.Option(help="queue name (database queue)")]


@contextmanager
def _open(name: str) -> Iterator[Queue]:
    settings = get_settings()
    db = Database(settings.database_url)
    try:
        yield build_queue(settings, db, name=name)
    finally:
        db.dispose()


def _database_queue(queue: Queue) -> DatabaseQueue:
    if not isinstance(queue, DatabaseQueue):
        typer.echo(
            "On SQS, inspect and redrive the dead-letter queue with SQS itself "
            "(console or `aws sqs start-message-move-task`).",
            err=True,
        )
        raise typer.Exit(2)
    return queue


@queue_app.command("depth")
def depth(name: NameOpt = "default") -> None:
    """Print ready, in-flight, delayed and dead message counts as JSON."""
    with _open(name) as queue:
        typer.echo(json.dumps(queue.depth()))


@queue_app.command("dead")
def dead(name: NameOpt = "default", limit: int = 20) -> None:
    """List dead-lettered jobs, one JSON object a line."""
    with _open(name) as queue:
        for job in _database_queue(queue).dead_jobs(limit=limit):
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
    ids: Annotated[list[str] | None, typer.Argument(help="job ids (default: all dead)")] = None,
    name: NameOpt = "default",
) -> None:
    """Give dead jobs a fresh set of attempts."""
    with _open(name) as queue:
        count = _database_queue(queue).redrive_dead(ids or None)
    typer.echo(f"redrove {count} jobs")
