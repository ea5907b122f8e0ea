"""Graceful stops: SIGTERM (what ECS, Docker and systemd send) finishes in-flight work.

The worker and sweeper processes use ``seatguard.worker.runner.stop_on_signals``."""

from __future__ import annotations

import signal
from types import FrameType


def exit_cleanly_after_uvicorn() -> None:
    """Make a SIGTERM that uvicorn already shut down for end the process with status 0.

    uvicorn handles SIGTERM itself (stops accepting, finishes requests, runs the lifespan
    shutdown that stops the in-process worker and sweeper), then re-raises the signal to the
    handler that was installed before it. With the default handler that kills the process and
    the exit status reads as a crash (143); this handler lets ``uvicorn.run`` simply return.
    """

    def after_shutdown(_signum: int, _frame: FrameType | None) -> None:
        return None

    signal.signal(signal.SIGTERM, after_shutdown)
