"""The long-poll worker: receive, dispatch on ``body["type"]``, ack or retry.

A handler that returns has done its work and the message is acked; one that raises sends
the message back to the queue with backoff, and after the queue's maximum attempts it lands
in the dead-letter queue. Handlers must be idempotent: delivery is at least once.

While a handler runs, a heartbeat renews its message's invisibility every third of the
visibility timeout, so a slow handler keeps its message instead of a second worker receiving
it at the same time; a worker that dies stops beating and the message comes back promptly.

A message whose type has no handler is retried like any failure rather than dropped: during
a rolling deploy a newer producer may be ahead of this worker, and if no worker ever learns
the type the message ends in the dead-letter queue, where it can be inspected and redriven.
"""

from __future__ import annotations

import contextvars
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Any

from seatguard.common.logging import request_context
from seatguard.queue.base import Heartbeats, Message, Queue

log = logging.getLogger("seatguard.worker")

Handler = Callable[[dict[str, Any]], None]


# Which delivery of its message a handler is running (1 = the first), so that a handler can
# tell its last attempt and give up gracefully (refund, alert) instead of dead-lettering.
_ATTEMPT: contextvars.ContextVar[int] = contextvars.ContextVar("delivery_attempt", default=1)


def current_attempt() -> int:
    return _ATTEMPT.get()


class UnknownMessageType(Exception):
    pass


def dispatch(handlers: Mapping[str, Handler], body: dict[str, Any], *, attempt: int = 1) -> None:
    kind = body.get("type")
    handler = handlers.get(kind) if isinstance(kind, str) else None
    if handler is None:
        raise UnknownMessageType(f"no handler for message type {kind!r}")
    token = _ATTEMPT.set(attempt)
    try:
        with request_context(body.get("request_id")):  # the id of the request that queued it
            handler(body)
    finally:
        _ATTEMPT.reset(token)


def process_batch(
    queue: Queue | None, handlers: Mapping[str, Handler], messages: list[Message]
) -> list[str]:
    """Handle each message; returns the ids of those that failed.

    With a ``queue``, successes are acked and failures retried on it. Without one (AWS
    Lambda), settling is left to the caller: Lambda deletes what is not reported failed.
    Every message of the batch keeps its claim until it is settled, also while it waits for
    the ones before it.
    """
    failed: list[str] = []
    with heartbeat(queue, messages) as beating:
        for message in messages:
            try:
                dispatch(handlers, message.body, attempt=message.attempts)
            except Exception as exc:
                failed.append(message.id)
                log.warning(
                    "message %s (%s, attempt %d) failed",
                    message.id,
                    message.body.get("type"),
                    message.attempts,
                    exc_info=not isinstance(exc, UnknownMessageType),
                )
                if queue is not None:
                    beating.drop(message)
                    _settle(queue.retry, message, error=f"{type(exc).__name__}: {exc}")
            else:
                if queue is not None:
                    beating.drop(message)
                    _settle(queue.ack, message)
    return failed


class _Beating:
    """The messages a heartbeat renews; one dropped is never renewed again (it is about to
    be acked or retried, and a renewal after a retry would push its backoff out)."""

    def __init__(self, messages: list[Message]) -> None:
        self._messages = list(messages)
        self._lock = threading.Lock()

    def drop(self, message: Message) -> None:
        with self._lock:  # waits for a renewal in progress
            self._messages = [m for m in self._messages if m is not message]

    def renew(self, queue: Heartbeats) -> None:
        with self._lock:
            for message in self._messages:
                try:
                    queue.extend(message)
                except Exception:  # missed beats only risk a second delivery, never a loss
                    log.warning("could not extend message %s", message.id, exc_info=True)


@contextmanager
def heartbeat(queue: Queue | None, messages: list[Message]) -> Iterator[_Beating]:
    """Renew the invisibility of ``messages`` every third of the visibility timeout, each
    until it is dropped (or the block ends)."""
    beating = _Beating(messages)
    if not isinstance(queue, Heartbeats) or not messages:
        yield beating
        return
    done = threading.Event()
    every = max(0.1, queue.visibility_timeout / 3)

    def beat() -> None:
        while not done.wait(every):
            beating.renew(queue)

    beater = threading.Thread(target=beat, name=f"heartbeat-{messages[0].id}", daemon=True)
    beater.start()
    try:
        yield beating
    finally:
        done.set()
        beater.join()


def run_worker(
    queue: Queue,
    handlers: Mapping[str, Handler],
    *,
    stop: threading.Event,
    concurrency: int = 1,
    poll_seconds: float = 1.0,
    max_messages: int = 1,
) -> None:
    """Run ``concurrency`` receive loops until ``stop`` is set; in-flight messages finish."""
    threads = [
        threading.Thread(
            target=_loop,
            args=(queue, handlers, stop, poll_seconds, max_messages),
            name=f"worker-{i}",
            daemon=True,
        )
        for i in range(concurrency)
    ]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except BaseException:  # Ctrl-C: stop taking messages, finish the ones in hand
        stop.set()
        for t in threads:
            t.join()
        raise


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGTERM (how containers are stopped) and SIGINT; main thread only."""

    def _handle(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the messages in hand, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)


def _loop(
    queue: Queue,
    handlers: Mapping[str, Handler],
    stop: threading.Event,
    poll_seconds: float,
    max_messages: int,
) -> None:
    while not stop.is_set():
        try:
            messages = queue.receive(max_messages=max_messages, wait_seconds=poll_seconds)
        except Exception:  # the queue is down for a moment: wait and try again
            log.exception("receiving from the queue failed")
            stop.wait(poll_seconds)
            continue
        process_batch(queue, handlers, messages)


def _settle(action: Callable[..., None], message: Message, **kw: Any) -> None:
    try:
        action(message, **kw)
    except Exception:  # the message will come back when its visibility timeout runs out
        log.exception("could not settle message %s", message.id)
