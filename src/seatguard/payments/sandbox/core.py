"""One sandbox instance: its store and event log (tables), its webhook dispatcher (a thread of
this process), its clock and its API key."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from seatguard.common.clock import Clock
from seatguard.payments.sandbox.delivery import WebhookDispatcher
from seatguard.payments.sandbox.eventlog import EventLog
from seatguard.payments.sandbox.store import SandboxStore


@dataclass(slots=True, kw_only=True)
class Sandbox:
    store: SandboxStore
    events: EventLog
    dispatcher: WebhookDispatcher
    clock: Clock
    api_key: str | None

    def now(self) -> int:
        return int(self.clock().timestamp())

    def redeliver(self, event_id: str) -> None:
        """Send an event to the webhook endpoint again (a duplicate delivery)."""
        self.dispatcher.redeliver(event_id)

    def expire_due(self) -> int:
        """Expire every open session whose ``expires_at`` has passed (also done in background)."""
        return self.store.expire_due(now=self.now())

    def close(self) -> None:
        self.dispatcher.close()


async def get_sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    sandbox.dispatcher.start()  # this process sends due webhooks and expires sessions too
    return sandbox
