"""The ``seatguard`` command: one tree for every process and chore."""

from __future__ import annotations

import importlib
import os
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from seatguard.auth.cli import serve_auth, users_app
from seatguard.common.clock import system_clock
from seatguard.common.db import Database
from seatguard.common.logging import configure_logging, logging_config
from seatguard.common.metrics import reset_multiprocess_metrics
from seatguard.common.security import Role, mint_token
from seatguard.common.shutdown import exit_cleanly_after_uvicorn
from seatguard.compat.cli import import_original_command
from seatguard.queue.cli import queue_app
from seatguard.settings import SANDBOX_OPT_IN, Settings, get_settings
from seatguard.tickets.cli import tickets_app

app = typer.Typer(
    help="SeatGuard: concert tickets with seat holds that never oversell.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tickets_app, name="tickets")
app.add_typer(queue_app, name="queue")
app.command("auth")(serve_auth)
app.command("import-original")(import_original_command)
console = Console()

BENCH_MISSING = (
    "`seatguard bench` runs from a source checkout of SeatGuard: the benchmark lives in the "
    "repository's bench/ folder and is not part of the installed package. Clone the repository, "
    "install it there with `pip install -e '.[dev,bench]'`, and run `seatguard bench ...` "
    "(or `make bench`) from that checkout."
)


def _bench_app() -> typer.Typer:
    """The benchmark's command tree, imported only when ``seatguard bench`` runs."""
    checkout = Path(__file__).resolve().parents[2]  # src/seatguard/cli.py -> the repository
    if (checkout / "bench" / "cli.py").is_file() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        module = importlib.import_module("bench.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("bench", "bench.cli"):
            raise
        console.print(BENCH_MISSING)
        raise typer.Exit(2) from None
    bench_app = getattr(module, "bench_app", None)
    if not isinstance(bench_app, typer.Typer):
        console.print(BENCH_MISSING)
        raise typer.Exit(2)
    return bench_app


@app.command(
    "bench",
    add_help_option=False,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def bench(ctx: typer.Context) -> None:
    """Load and contention benchmarks, from a source checkout (results: docs/benchmarks.md)."""
    command = typer.main.get_command(_bench_app())
    command.main(args=ctx.args, prog_name=f"{ctx.find_root().info_name} bench")


HostOpt = Annotated[str | None, typer.Option(help="Interface to listen on")]
PortOpt = Annotated[int | None, typer.Option(help="Port to listen on")]


def _logging() -> None:
    configure_logging(get_settings())


def _payments_settings(settings: Settings) -> Settings:
    """The settings of a service that takes payments; exits with a clear message if it must not."""
    problem = settings.payment_problem()
    if problem is not None:
        console.print(f"[bold red]Refusing to start:[/] {problem}")
        raise typer.Exit(2)
    return settings


def _prepare(settings: Settings, *, seed_if_empty: bool) -> None:
    from seatguard.auth.migrate import upgrade as auth_upgrade
    from seatguard.booking.models import Event
    from seatguard.booking.seed import seed_demo
    from seatguard.common.migrate import upgrade

    upgrade(settings.database_url)
    auth_upgrade(settings.auth_db_url)
    if not seed_if_empty:
        return
    db = Database(settings.database_url)
    try:
        with db.unit_of_work() as session:
            if session.query(Event).first() is None:
                added = seed_demo(session, now=system_clock())
                console.print(f"Seeded {added} demo events.")
    finally:
        db.dispose()


@app.command()
def serve(host: HostOpt = None, port: PortOpt = None, seed: bool = True) -> None:
    """Everything in one process: API, auth, pages, sandbox payments, worker and sweeper."""
    from seatguard.app import create_app

    _logging()
    settings = _payments_settings(get_settings())
    host = host or settings.host
    port = port or settings.port
    if "PUBLIC_BASE_URL" not in os.environ:  # payment pages and webhooks come back here
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        settings = Settings(public_base_url=f"http://{shown}:{port}")
    _prepare(settings, seed_if_empty=seed)
    base = settings.public_base_url
    console.print(
        f"[bold green]SeatGuard[/] on {base}  (API: {base}/api/v1/events, docs: {base}/docs)"
    )
    console.print(f"Database: {settings.database_url}")
    if settings.sandbox_enabled:
        console.print(
            f"Payments: sandbox gateway at {settings.sandbox_base_url} (card 4242 4242 4242 4242)"
        )
    if not settings.smtp_host:
        console.print(f"Emails: written to {Path(settings.email_outbox_dir).resolve()}")
    exit_cleanly_after_uvicorn()
    uvicorn.run(
        create_app(settings, background=True, serving=True),
        host=host,
        port=port,
        log_level="info",
        log_config=logging_config(settings),
        access_log=False,  # seatguard.access logs each request, with its request id
        timeout_graceful_shutdown=3,  # open seat streams never end by themselves
        **settings.uvicorn_proxy_options,
    )


@app.command()
def booking(
    host: HostOpt = None,
    port: PortOpt = None,
    workers: Annotated[int | None, typer.Option(help="uvicorn worker processes")] = None,
) -> None:
    """The booking service alone (no background jobs; run `seatguard sweeper` beside it)."""
    _logging()
    settings = _payments_settings(get_settings())
    _prepare(settings, seed_if_empty=False)
    reset_multiprocess_metrics()
    exit_cleanly_after_uvicorn()
    uvicorn.run(
        "seatguard.app:booking_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level="warning",
        log_config=logging_config(settings),
        timeout_graceful_shutdown=3,  # open seat streams never end by themselves
        **settings.uvicorn_proxy_options,
    )


@app.command()
def sweeper(
    once: bool = False,
    interval: Annotated[float | None, typer.Option(help="seconds between sweeps")] = None,
) -> None:
    """Free expired holds and expire unpaid orders (gateway session first), forever or once."""
    from seatguard.booking import sweeper as sweep
    from seatguard.queue.relay import start_relay
    from seatguard.runtime import build_services
    from seatguard.worker.handlers import sweep_steps
    from seatguard.worker.runner import stop_on_signals

    _logging()
    services = build_services(_payments_settings(get_settings()))
    steps = sweep_steps(services)
    if once:
        done = sweep.sweep_once(services.db, system_clock, steps)
        console.print(
            f"freed {done.seats_freed} seats; expired {done.orders_expired} orders, "
            f"reconciled {done.payments_reconciled} payments, "
            f"resumed {done.refunds_resumed} refunds ({done.errors} errors)"
        )
        return
    stop = threading.Event()
    stop_on_signals(stop)
    start_relay(services.queue, stop)
    try:
        sweep.run_forever(
            services.db,
            system_clock,
            interval=interval or services.settings.sweep_interval_seconds,
            stop=stop,
            steps=steps,
        )
    except KeyboardInterrupt:
        stop.set()


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="messages handled at once")] = 1,
    batch: Annotated[
        int, typer.Option(min=1, max=10, help="messages each receive claims (handled in turn)")
    ] = 4,
) -> None:
    """Fulfil paid orders and send emails from the queue until interrupted."""
    from seatguard.queue.relay import start_relay
    from seatguard.runtime import build_services, freeze_startup_heap
    from seatguard.worker.handlers import build_handlers
    from seatguard.worker.runner import run_worker, stop_on_signals

    _logging()
    services = build_services(_payments_settings(get_settings()))
    stop = threading.Event()
    stop_on_signals(stop)
    console.print(f"worker on queue {services.settings.queue_url}")
    start_relay(services.queue, stop)
    handlers = build_handlers(services)
    freeze_startup_heap()
    try:
        run_worker(
            services.queue,
            handlers,
            stop=stop,
            concurrency=concurrency,
            max_messages=batch,
        )
    except KeyboardInterrupt:
        stop.set()


@app.command()
def seed(
    reset: Annotated[bool, typer.Option(help="delete all booking data first")] = False,
    force: Annotated[
        bool, typer.Option(help="with --reset: delete even when orders or tickets exist")
    ] = False,
) -> None:
    """Load the demo events (idempotent)."""
    from seatguard.booking.seed import ResetWouldDeleteSales, reset_booking_data, seed_demo
    from seatguard.common.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        with db.unit_of_work() as session:
            if reset:
                deleted = reset_booking_data(session, force=force)
                console.print(f"Deleted {deleted.orders} orders and {deleted.tickets} tickets.")
            added = seed_demo(session, now=system_clock())
    except ResetWouldDeleteSales as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    console.print(f"Seeded {added} new demo events.")


@app.command()
def token(
    user: Annotated[str | None, typer.Option(help="user id (default: a new uuid)")] = None,
    role: Role = Role.CUSTOMER,
    email: str | None = None,
) -> None:
    """Print a signed access token for local use."""
    typer.echo(mint_token(get_settings(), user_id=user, role=role, email=email))


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 12111,
    public_url: Annotated[str | None, typer.Option(help="URL buyers reach it at")] = None,
) -> None:
    """The Stripe-compatible test gateway alone (point STRIPE_API_BASE at it)."""
    from seatguard.common.migrate import upgrade
    from seatguard.payments.sandbox import create_sandbox_app

    _logging()
    settings = get_settings()
    if not settings.test_payments_allowed:
        console.print(
            "[bold red]Refusing to start:[/] the payment sandbox takes test payments; in "
            f"production set {SANDBOX_OPT_IN}=true only for a test deployment"
        )
        raise typer.Exit(2)
    base = (public_url or f"http://{host}:{port}").rstrip("/")
    upgrade(settings.database_url)  # its sessions, payments and events live in the database
    database = Database(settings.database_url, pool_size=settings.db_pool_size)
    sandbox_app = create_sandbox_app(
        db=database,
        public_base_url=base,
        webhook_url=settings.stripe_webhook_url,
        webhook_secret=settings.stripe_webhook_secret,
        api_key=settings.stripe_secret_key,
    )
    console.print(f"[bold green]Payment sandbox[/] on {base}  (STRIPE_API_BASE={base})")
    console.print(f"Webhooks go to {settings.stripe_webhook_url}; test mode, no real money.")
    try:
        uvicorn.run(sandbox_app, host=host, port=port, log_level="info")
    finally:
        sandbox_app.state.sandbox.close()
        database.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations."""
    from seatguard.auth.migrate import upgrade as auth_upgrade
    from seatguard.common.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    if revision == "head":
        auth_upgrade(get_settings().auth_db_url)
    console.print("database is up to date")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from seatguard.common.migrate import downgrade

    downgrade(get_settings().database_url, revision)
