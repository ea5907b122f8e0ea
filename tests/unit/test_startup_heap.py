"""A serving process freezes the heap its start-up built, so full collections skip it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from seatguard.app import create_app
from seatguard.settings import Settings


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process keeps collecting what its apps leave


def _settings(tmp_path: Path) -> Settings:
    return Settings(env="test", database_url=f"sqlite:///{tmp_path / 'sg.db'}")


@pytest.mark.usefixtures("thawed")
def test_a_serving_app_freezes_what_start_up_built(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path), serving=True)
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 0
        assert client.get("/health").status_code == 200


@pytest.mark.usefixtures("thawed")
def test_an_app_built_in_a_test_process_freezes_nothing(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path))) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() == 0
