"""The original's environment names configure SeatGuard; ours win, with one warning."""

from __future__ import annotations

import logging

import pytest

from seatguard.compat import env as compat_env
from seatguard.settings import Settings

ORIGINAL_NAMES = [
    "DATABASE_URL",
    "DB_URL",
    "DB_HOST",
    "DB_PORT",
    "DB_USER",
    "DB_PASSWORD",
    "DB_NAME",
    "SEATGUARD_ENV",
    "ENV_MODE",
    "JWT_SECRET",
    "SECRET_JWT",
    "EXPIRED_TOKEN_JWT",
    "QUEUE_URL",
    "SQS_QUEUE_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_SUCCESS_URL",
    "STRIPE_CANCEL_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASS",
    "SMTP_FROM",
    "EMAIL_FROM",
    "WORKERS",
    "PORT",
    "CORS_ORIGINS",
    "MY_FRONTEND_URL",
]
SECRET = "a-real-secret-for-production-0123456789"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ORIGINAL_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(compat_env, "_warned", set())
    return monkeypatch


def load() -> Settings:
    return Settings(_env_file=None)


def test_the_originals_names_alone_configure_everything(clean_env: pytest.MonkeyPatch):
    for name, value in {
        "DB_URL": "postgresql://seat:guard@db:5432/booking",
        "SECRET_JWT": SECRET,
        "EXPIRED_TOKEN_JWT": "7d",
        "SQS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123/payments",
        "STRIPE_SECRET_KEY": "sk_test_original",
        "STRIPE_WEBHOOK_SECRET": "whsec_original",
        "SMTP_HOST": "smtp.gmail.com",
        "SMTP_PORT": "465",
        "SMTP_USER": "mailer",
        "SMTP_PASS": "app-password",
        "SMTP_FROM": "Entradas <no-reply@example.com>",
        "WORKERS": "4",
        "PORT": "4100",
        "ENV_MODE": "prod",
        "MY_FRONTEND_URL": "https://front.example",
    }.items():
        clean_env.setenv(name, value)
    settings = load()
    assert settings.database_url == "postgresql://seat:guard@db:5432/booking"
    assert settings.jwt_secret == SECRET
    assert settings.jwt_lifetime == "7d"
    assert settings.queue_url.endswith("/123/payments")
    assert settings.stripe_secret_key == "sk_test_original"
    assert (settings.smtp_host, settings.smtp_port) == ("smtp.gmail.com", 465)
    assert (settings.smtp_user, settings.smtp_pass) == ("mailer", "app-password")
    assert settings.email_from == "Entradas <no-reply@example.com>"
    assert (settings.workers, settings.port) == (4, 4100)
    assert settings.env == "production"
    assert settings.cors_origin_list == ["https://front.example"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("dev", "development"), ("Development", "development"), ("prod", "production"),
     ("production", "production"), ("test", "test")],
)  # fmt: skip
def test_env_mode_values_are_mapped(clean_env: pytest.MonkeyPatch, mode: str, expected: str):
    clean_env.setenv("ENV_MODE", mode)
    clean_env.setenv("JWT_SECRET", SECRET)
    clean_env.setenv("STRIPE_WEBHOOK_SECRET", "whsec_live")
    assert load().env == expected


def test_production_still_refuses_the_development_secret(clean_env: pytest.MonkeyPatch):
    clean_env.setenv("ENV_MODE", "prod")
    with pytest.raises(ValueError, match="JWT_SECRET"):
        load()


def test_a_database_url_is_composed_from_the_parts(clean_env: pytest.MonkeyPatch):
    clean_env.setenv("DB_HOST", "db.internal")
    clean_env.setenv("DB_PORT", "6543")
    clean_env.setenv("DB_USER", "seat guard")
    clean_env.setenv("DB_PASSWORD", "p@ss:w/rd")
    clean_env.setenv("DB_NAME", "booking")
    assert load().database_url == (
        "postgresql+psycopg://seat%20guard:p%40ss%3Aw%2Frd@db.internal:6543/booking"
    )
    clean_env.setenv("DB_URL", "postgresql://other@h/db")
    assert load().database_url == "postgresql://other@h/db"


def test_without_any_database_name_the_default_stays(clean_env: pytest.MonkeyPatch):
    assert load().database_url == "sqlite:///./seatguard.db"


def test_ours_win_and_the_conflict_is_named_once_without_values(
    clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    clean_env.setenv("DATABASE_URL", "sqlite:///ours-db-zq1.db")
    clean_env.setenv("DB_URL", "postgresql://theirs-db-zq2@h/db")
    clean_env.setenv("JWT_SECRET", "ours-secret-zq3-0123456789")
    clean_env.setenv("SECRET_JWT", "theirs-secret-zq4-0123456789")
    clean_env.setenv("SEATGUARD_ENV", "development")
    clean_env.setenv("ENV_MODE", "dev")  # the same once mapped: no warning
    with caplog.at_level(logging.WARNING, logger="seatguard.compat"):
        settings = load()
        load()
    assert settings.database_url == "sqlite:///ours-db-zq1.db"
    assert settings.jwt_secret == "ours-secret-zq3-0123456789"
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert any("DATABASE_URL" in m and "DB_URL" in m for m in messages)
    assert any("JWT_SECRET" in m and "SECRET_JWT" in m for m in messages)
    assert not any("ENV_MODE" in m for m in messages)
    assert not any("zq" in m for m in messages)


def test_equal_values_under_both_names_are_quiet(
    clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    clean_env.setenv("JWT_SECRET", SECRET)
    clean_env.setenv("SECRET_JWT", SECRET)
    with caplog.at_level(logging.WARNING, logger="seatguard.compat"):
        load()
    assert caplog.records == []


def test_a_bare_success_url_gets_the_originals_pages(clean_env: pytest.MonkeyPatch):
    clean_env.setenv("STRIPE_SUCCESS_URL", "https://front.example/")
    settings = load()
    assert settings.stripe_success_url == (
        "https://front.example/dentro/checkout/success"
        "?session_id={CHECKOUT_SESSION_ID}&order_id={ORDER_ID}"
    )
    assert settings.stripe_cancel_url == (
        "https://front.example/dentro/checkout/cancel?order_id={ORDER_ID}"
    )
    clean_env.setenv("STRIPE_CANCEL_URL", "https://other.example")
    assert load().stripe_cancel_url == (
        "https://other.example/dentro/checkout/cancel?order_id={ORDER_ID}"
    )


def test_templates_are_kept_as_written(clean_env: pytest.MonkeyPatch):
    clean_env.setenv("STRIPE_SUCCESS_URL", "https://f.example/paid/{ORDER_ID}")
    clean_env.setenv("STRIPE_CANCEL_URL", "https://f.example/cancel/{ORDER_ID}")
    settings = load()
    assert settings.stripe_success_url == "https://f.example/paid/{ORDER_ID}"
    assert settings.stripe_cancel_url == "https://f.example/cancel/{ORDER_ID}"
    clean_env.delenv("STRIPE_SUCCESS_URL")
    clean_env.delenv("STRIPE_CANCEL_URL")
    assert load().stripe_success_url.startswith("http://127.0.0.1:4000/checkout/success")
