"""Run the payment sandbox under a real uvicorn server, receive its webhooks, check its shapes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from seatguard.common.clock import Clock, system_clock
from seatguard.common.db import Database
from seatguard.payments.sandbox import Sandbox, create_sandbox_app
from tests.support.postgres import free_port

SANDBOX_KEY = "sk_test_sandbox_suite"
WEBHOOK_SECRET = "whsec_test_suite_secret"
STRIPE_SPEC = Path("/work/shared/stripe/checkout-subset.openapi.json")


@contextmanager
def serve_app(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serve an ASGI app on a loopback port (default: a free one) in a thread; yields its URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class RunningSandbox:
    base_url: str
    sandbox: Sandbox


@contextmanager
def running_sandbox(
    db: Database,
    webhook_url: str,
    secret: str = WEBHOOK_SECRET,
    *,
    api_key: str | None = SANDBOX_KEY,
    clock: Clock = system_clock,
    first_retry_delay: float = 0.05,
    max_attempts: int = 4,
) -> Iterator[RunningSandbox]:
    """The sandbox on a free loopback port, its state in ``db``; yields its base URL and its
    ``Sandbox`` (store and event log)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_sandbox_app(
        db=db,
        public_base_url=base_url,
        webhook_url=webhook_url,
        webhook_secret=secret,
        api_key=api_key,
        clock=clock,
        first_retry_delay=first_retry_delay,
        max_attempts=max_attempts,
    )
    sandbox: Sandbox = app.state.sandbox
    try:
        with serve_app(app, port):
            yield RunningSandbox(base_url=base_url, sandbox=sandbox)
    finally:
        sandbox.close()


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class WebhookReceiver:
    """A tiny HTTP endpoint that records every POST; answers ``statuses`` in turn, then 200."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Delivery] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def record(self, delivery: Delivery) -> int:
        with self._cond:
            status = self.statuses.pop(0) if self.statuses else 200
            self.received.append(delivery)
            self.answered.append(status)
            self._cond.notify_all()
            return status

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise AssertionError(f"expected {count} webhooks, got {len(self.received)}")
            return list(self.received)


@contextmanager
def receiving_webhooks(statuses: Sequence[int] = ()) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(statuses=list(statuses))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.record(Delivery(headers=dict(self.headers.items()), body=body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/webhook"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True
    )
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``nullable: true`` becomes ``anyOf [..., null]``."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def _registry() -> Registry:
    document = _json_schema(json.loads(STRIPE_SPEC.read_text()))
    resource = DRAFT202012.create_resource(document)
    return Registry().with_resource("urn:stripe-openapi", resource)


def stripe_schema_errors(component: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks Stripe's official schema ``component`` (empty: valid)."""
    validator = Draft202012Validator(
        {"$ref": f"urn:stripe-openapi#/components/schemas/{component}"}, registry=_registry()
    )
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(instance)
    ]
