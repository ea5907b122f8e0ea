"""Send events to the webhook endpoint from a background thread, signed like Stripe, with retries.

Every attempt is signed afresh with the current time (as Stripe does). A non-2xx answer or a
connection failure schedules a retry with exponential backoff, up to ``max_attempts``.
"""

from __future__ import annotations

import heapq
import json
import logging
import threading
import time
from collections.abc import Callable

import httpx

from seatguard.payments.sandbox.objects import event_json
from seatguard.payments.sandbox.records import EventRecord
from seatguard.payments.sandbox.store import SandboxStore
from seatguard.payments.webhooks import sign_payload

log = logging.getLogger("seatguard.sandbox")


class WebhookDispatcher:
    def __init__(
        self,
        store: SandboxStore,
        *,
        webhook_url: str,
        webhook_secret: str,
        now: Callable[[], int],
        max_attempts: int = 6,
        first_delay: float = 0.5,
        max_delay: float = 30.0,
        tick: float = 1.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.store = store
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.now = now
        self.max_attempts = max_attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.tick = tick
        self.client = client or httpx.Client(timeout=10.0)
        self._queue: list[tuple[float, int, str]] = []
        self._seq = 0
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        store.listeners.append(self.enqueue)

    def enqueue(self, event: EventRecord, *, delay: float = 0.0) -> None:
        with self._wake:
            self._seq += 1
            heapq.heappush(self._queue, (time.monotonic() + delay, self._seq, event.id))
            self._wake.notify()
        self.start()

    def redeliver(self, event_id: str) -> None:
        """Send an event again, even one already delivered (a duplicate, as Stripe may send)."""
        self.enqueue(self.store.event(event_id))

    def deliver_pending_now(self) -> int:
        """Attempt every undelivered event at once, ignoring backoff; returns how many."""
        with self.store.lock:
            pending = [e for e in self.store.events.values() if not e.delivered]
        with self._wake:
            self._queue = [
                entry for entry in self._queue if entry[2] not in {e.id for e in pending}
            ]
            heapq.heapify(self._queue)
        for event in pending:
            self.enqueue(event)
        return len(pending)

    def start(self) -> None:
        with self._wake:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=15)
        self.client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.store.expire_due(now=self.now())
                event_id = self._next_due()
                if event_id is not None:
                    self._attempt(self.store.event(event_id))
            except Exception:
                log.exception("sandbox webhook loop failed; continuing")
                self._stop.wait(self.tick)

    def _next_due(self) -> str | None:
        with self._wake:
            if self._queue and self._queue[0][0] <= time.monotonic():
                return heapq.heappop(self._queue)[2]
            wait = self.tick
            if self._queue:
                wait = min(wait, self._queue[0][0] - time.monotonic())
            self._wake.wait(timeout=max(wait, 0.0))
            return None

    def _attempt(self, event: EventRecord) -> None:
        with self.store.lock:
            payload = json.dumps(event_json(event), separators=(",", ":")).encode()
            event.attempts += 1
            attempt = event.attempts
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
        with self.store.lock:
            event.responses.append(outcome)
            if ok:
                event.delivered = True
        if ok:
            return
        log.info("webhook %s attempt %d failed: %s", event.id, attempt, outcome)
        if attempt < self.max_attempts and not event.delivered:
            delay = min(self.first_delay * 2 ** (attempt - 1), self.max_delay)
            self.enqueue(event, delay=delay)
