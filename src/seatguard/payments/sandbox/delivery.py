"""Send events to the webhook endpoint from a background thread, signed like Stripe, with retries.

Each process runs one such thread; deliveries live in the database (``eventlog``), so
whichever process is free sends the next one, exactly one sends it at a time, and an event
written by another process or before a restart is still sent. Every attempt is signed afresh
with the current time (as Stripe does). A non-2xx answer or a connection failure schedules a
retry with exponential backoff, up to ``max_attempts``. The same loop expires open sessions
whose ``expires_at`` has passed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

import httpx

from seatguard.payments.sandbox.eventlog import Claimed, EventLog
from seatguard.payments.sandbox.objects import event_json
from seatguard.payments.sandbox.store import SandboxStore
from seatguard.payments.webhooks import sign_payload

log = logging.getLogger("seatguard.sandbox")


class WebhookDispatcher:
    def __init__(
        self,
        store: SandboxStore,
        events: EventLog,
        *,
        webhook_url: str,
        webhook_secret: str,
        now: Callable[[], int],
        max_attempts: int = 6,
        first_delay: float = 0.5,
        max_delay: float = 30.0,
        tick: float = 1.0,
        lease: float = 60.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.store = store
        self.events = events
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.now = now
        self.max_attempts = max_attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.tick = tick
        self.lease = lease
        self.client = client or httpx.Client(timeout=10.0)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        store.listeners.append(self.wake)

    def wake(self) -> None:
        """Something may be due now (an event was written in this process)."""
        self._wake.set()
        self.start()

    def redeliver(self, event_id: str) -> None:
        """Send an event again, even one already delivered (a duplicate, as Stripe may send)."""
        self.events.schedule(event_id, due_at=time.time())
        self.wake()

    def deliver_pending_now(self) -> int:
        """Attempt every undelivered event at once, ignoring backoff; returns how many."""
        count = self.events.schedule_undelivered(due_at=time.time())
        self.wake()
        return count

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout=15)
        self.client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.store.expire_due(now=self.now())
                claimed = self.events.claim(now=time.time(), lease=self.lease)
                if claimed is not None:
                    self._attempt(claimed)
                    continue
                due = self.events.next_due()
                wait = self.tick if due is None else min(self.tick, due - time.time())
                self._wake.wait(timeout=max(wait, 0.01))
            except Exception:
                log.exception("sandbox webhook loop failed; continuing")
                self._stop.wait(self.tick)

    def _attempt(self, claimed: Claimed) -> None:
        payload = json.dumps(event_json(claimed.event), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign_payload(payload, self.webhook_secret, self.now()),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        try:
            response = self.client.post(self.webhook_url, content=payload, headers=headers)
            outcome, ok = str(response.status_code), response.is_success
        except httpx.HTTPError as exc:
            outcome, ok = f"error: {exc.__class__.__name__}", False
        retry_at = None
        if not ok and claimed.attempt < self.max_attempts:
            delay = min(self.first_delay * 2 ** (claimed.attempt - 1), self.max_delay)
            retry_at = time.time() + delay
        if not ok:
            log.info("webhook %s attempt %d failed: %s", claimed.event.id, claimed.attempt, outcome)
        self.events.finish(claimed, outcome=outcome, ok=ok, retry_at=retry_at)
