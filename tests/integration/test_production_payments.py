"""Every entry point that takes payments refuses a production configuration without real
Stripe, with a clear message, before it serves anything (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from seatguard.settings import PaymentConfigurationError
from seatguard.worker.lambda_handler import make_handler

PRODUCTION = {
    "SEATGUARD_ENV": "production",
    "JWT_SECRET": "production-secret-with-enough-entropy-0123456789",
    "STRIPE_SECRET_KEY": "",
    "STRIPE_API_BASE": "",
    "SANDBOX": "",
    "SEATGUARD_SANDBOX_ENABLED": "",
}


def run(args: list[str], tmp_path: object, **env: str) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ, **PRODUCTION, **env}
    merged = {k: v for k, v in merged.items() if v != ""}
    merged["DATABASE_URL"] = f"sqlite:///{tmp_path}/prod.db"
    return subprocess.run(
        [sys.executable, "-m", "seatguard", *args],
        env=merged,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=str(tmp_path),
    )


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "--port", "1"],
        ["booking", "--port", "1"],
        ["worker"],
        ["sweeper", "--once"],
        ["sandbox", "--port", "1"],
    ],
    ids=lambda a: a[0],
)
def test_payment_services_refuse_to_start_in_production_without_stripe(args, tmp_path):
    result = run(args, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Refusing to start" in output
    assert "SEATGUARD_SANDBOX_ENABLED" in output
    assert not (tmp_path / "prod.db").exists(), "nothing was prepared before refusing"


def test_the_sandbox_default_key_is_refused_too(tmp_path):
    result = run(["booking", "--port", "1"], tmp_path, STRIPE_SECRET_KEY="sk_test_sandbox")
    assert result.returncode == 2
    assert "STRIPE_SECRET_KEY must be a real Stripe secret key" in result.stdout


def test_the_lambda_worker_refuses_on_its_first_message(monkeypatch, tmp_path):
    for key, value in PRODUCTION.items():
        if value:
            monkeypatch.setenv(key, value)
        else:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    from seatguard.settings import get_settings

    get_settings.cache_clear()
    try:
        with pytest.raises(PaymentConfigurationError, match="STRIPE_SECRET_KEY"):
            make_handler()({"Records": []}, None)
    finally:
        get_settings.cache_clear()
