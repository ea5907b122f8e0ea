"""A worker process imports what it runs, not the HTTP framework: its start-up is paid again
by every worker started (a deploy, a scale-out, a restart after a crash)."""

from __future__ import annotations

import os
import subprocess
import sys

WORKER_IMPORTS = """
import sys
import seatguard.cli
from seatguard.runtime import build_services
from seatguard.worker.handlers import build_handlers
from seatguard.worker.runner import run_worker
import seatguard.notify.service
print(",".join(m for m in ("fastapi", "fastapi.routing", "starlette.routing") if m in sys.modules))
"""


def test_the_worker_command_imports_no_fastapi() -> None:
    found = subprocess.run(
        [sys.executable, "-c", WORKER_IMPORTS],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    ).stdout.strip()
    assert found == ""


def test_the_error_types_still_answer_http_requests() -> None:
    """The HTTP side imports FastAPI when it installs the handlers (the import moved)."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from seatguard.common.errors import NotFound, install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/x")
    def _missing() -> None:
        raise NotFound("No such thing.", code="thing_not_found")

    answer = TestClient(app).get("/x")
    assert answer.status_code == 404
    assert answer.json()["error"] == "thing_not_found"
