"""Browser tests: Debian's Chromium driven by Playwright against a real ``seatguard serve``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import server_env
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCREENSHOTS = os.environ.get("SEATGUARD_SCREENSHOTS") == "1"
SHOTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"the browser tests need Chromium and Playwright in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")  # module: the sync API keeps an event loop running
def browser() -> Iterator[object]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One seeded ``seatguard serve`` (SQLite file, sandbox payments) for the browser tests."""
    workdir = tmp_path_factory.mktemp("site")
    port = free_port()
    env = server_env(f"sqlite:///{workdir / 'site.db'}", port, workdir)
    with seatguard_process(["serve"], env=env, port=port) as base:
        yield base


@pytest.fixture
def shoot() -> object:
    """``shoot(page, name)`` saves docs/screenshots/NAME.png when SEATGUARD_SCREENSHOTS=1."""

    def save(page: object, name: str) -> None:
        if SCREENSHOTS:
            SHOTS_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS_DIR / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    return save
