"""Run a real ``seatguard`` server process for black-box tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.support.postgres import free_port


@contextmanager
def seatguard_process(
    command: list[str], *, env: dict[str, str], port: int | None = None, health: str = "/health"
) -> Iterator[str]:
    """Start ``seatguard COMMAND --port P`` and yield its base URL once healthy."""
    port = port or free_port()
    full_env = {**os.environ, "SEATGUARD_ENV": "test", **env}
    # Output goes to a file, never a pipe nobody drains: a full pipe would block the server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [sys.executable, "-m", "seatguard", *command, "--host", "127.0.0.1", "--port", str(port)],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                out = log.read().decode(errors="replace")
                raise RuntimeError(f"server exited early ({proc.returncode}):\n{out}")
            try:
                if httpx.get(base + health, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become healthy")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
