"""Readiness: can this process do its work now? (``/health`` stays the liveness probe.)

A load balancer sends traffic only to ready instances; an orchestrator restarts only the
ones that fail liveness. So a database or queue outage, or a schema that is not migrated to
this release's head, makes ``/ready`` answer 503, naming what failed, while ``/health`` keeps
the process alive until the dependency is back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import column, select, table, text

from seatguard.common.db import Database

log = logging.getLogger("seatguard.ready")

router = APIRouter(tags=["health"])


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationTree:
    """A migration tree this process needs at head: where it lives and its version table."""

    db: Database
    package: str
    version_table: str


def booking_tree(db: Database) -> MigrationTree:
    return MigrationTree(db=db, package="seatguard", version_table="alembic_version")


def auth_tree(db: Database) -> MigrationTree:
    return MigrationTree(db=db, package="seatguard.auth", version_table="alembic_version_auth")


@cache
def head_revisions(package: str) -> frozenset[str]:
    from alembic.script import ScriptDirectory  # Alembic loads only when it is needed

    from seatguard.common.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://", package=package))
    return frozenset(script.get_heads())


def check_database(db: Database) -> bool:
    try:
        with db.reader() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        log.warning("readiness: database check failed", exc_info=True)
        return False
    return True


def check_migrations(trees: list[MigrationTree]) -> bool:
    for tree in trees:
        try:
            versions = table(tree.version_table, column("version_num"))
            with tree.db.reader() as session:
                applied = set(session.scalars(select(versions.c.version_num)))
        except Exception:
            log.warning("readiness: %s cannot be read", tree.version_table, exc_info=True)
            return False
        if applied != head_revisions(tree.package):
            log.warning(
                "readiness: %s is at %s, this release needs %s",
                tree.version_table,
                sorted(applied),
                sorted(head_revisions(tree.package)),
            )
            return False
    return True


def check_queue(queue: object) -> bool:
    try:
        queue.depth()  # type: ignore[attr-defined]
    except Exception:
        log.warning("readiness: queue check failed", exc_info=True)
        return False
    return True


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    checks = {"database": check_database(request.app.state.db)}
    trees: list[MigrationTree] = getattr(request.app.state, "migration_trees", [])
    if trees:
        checks["migrations"] = checks["database"] and check_migrations(trees)
    services = getattr(request.app.state, "services", None)
    if services is not None:
        checks["queue"] = check_queue(services.queue)
    body: dict[str, object] = {name: "ok" if ok else "down" for name, ok in checks.items()}
    if all(checks.values()):
        return JSONResponse({"status": "ok", **body})
    failed = [name for name, ok in checks.items() if not ok]
    return JSONResponse(
        {"status": "unavailable", **body, "failed": failed},
        status_code=503,
        headers={"Retry-After": "5"},
    )
