"""Real processes: `seatguard serve` and `seatguard worker` stop cleanly on SIGTERM."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import httpx

from tests.support.postgres import free_port


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "seatguard", *args],
        env={**os.environ, "SEATGUARD_ENV": "test", "PYTHONUNBUFFERED": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for_line(proc: subprocess.Popen[bytes], text: str, *, within: float = 60) -> str:
    """Read the process's output until a line holds ``text`` (its signal handlers are set)."""
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if not ready:
            assert proc.poll() is None, "".join(seen)
            continue
        line = proc.stdout.readline().decode(errors="replace")
        seen.append(line)
        if text in line:
            return "".join(seen)
        assert line or proc.poll() is None, "".join(seen)
    raise AssertionError(f"no line with {text!r} within {within} s: {''.join(seen)}")


def terminate(proc: subprocess.Popen[bytes], *, within: float) -> tuple[int, float, str]:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=within)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = ""
    if proc.stdout:
        output = proc.stdout.read().decode(errors="replace")
        proc.stdout.close()
    return code, time.monotonic() - started, output


def wait_healthy(proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited before it was healthy"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server never became healthy")


def test_sigterm_stops_serve_with_status_0_in_seconds(tmp_path):
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'seatguard.db'}",
        "EMAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "TICKET_KEY_FILE": str(tmp_path / "ticket-key.pem"),
        "LOG_FORMAT": "json",
    }
    proc = start(["serve", "--host", "127.0.0.1", "--port", str(port), "--no-seed"], env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, base + "/health")
        assert httpx.get(base + "/ready").status_code == 200
        answer = httpx.get(base + "/api/v1/events", headers={"X-Request-ID": "req-proc-1"})
        assert answer.status_code == 200
        assert answer.headers["X-Request-ID"] == "req-proc-1"
    finally:
        code, took, output = terminate(proc, within=15)
    assert code == 0, output
    assert took < 12
    assert "Application shutdown complete" in output
    assert '"request_id": "req-proc-1"' in output  # the JSON access log line of that request


def test_sigterm_stops_the_worker_with_status_0(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'seatguard.db'}",
        "EMAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "TICKET_KEY_FILE": str(tmp_path / "ticket-key.pem"),
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "seatguard", "db", "upgrade"],
        env={**os.environ, "SEATGUARD_ENV": "test", **env},
        capture_output=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr.decode()
    proc = start(["worker"], env)
    wait_for_line(proc, "worker on queue")  # printed once its signal handlers are installed
    time.sleep(2)  # a few empty long polls
    assert proc.poll() is None
    code, took, output = terminate(proc, within=15)
    assert code == 0, output
    assert took < 10
