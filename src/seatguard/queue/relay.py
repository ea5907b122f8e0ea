"""Running the outbox relay: a thread of every long-lived process, or ``seatguard queue relay``.

Every booking process, ``seatguard serve``, the worker and the sweeper relay the outbox of an
SQS queue (claims are exclusive, so any number of relays share the work); the database queue
has no outbox (its jobs are written in the transaction and claimed in place), so for it this
does nothing.
"""

from __future__ import annotations

import threading

from seatguard.queue.base import Queue
from seatguard.queue.outbox import Outbox

RELAY_INTERVAL = 1.0  # seconds between passes when no local commit wakes the relay


def outbox_of(queue: Queue) -> Outbox | None:
    outbox = getattr(queue, "outbox", None)
    return outbox if isinstance(outbox, Outbox) else None


def start_relay(queue: Queue, stop: threading.Event) -> threading.Thread | None:
    """Relay ``queue``'s outbox in a daemon thread until ``stop`` is set (None: no outbox)."""
    outbox = outbox_of(queue)
    if outbox is None:
        return None
    thread = threading.Thread(
        target=outbox.run, args=(stop,), kwargs={"interval": RELAY_INTERVAL}, name="outbox-relay"
    )
    thread.daemon = True
    thread.start()
    return thread
