"""Structured logs: the formatter's fields, the request id context and the logging config."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from seatguard.common.logging import (
    JsonFormatter,
    RequestIdFilter,
    current_request_id,
    logging_config,
    request_context,
    with_request_id,
)
from seatguard.common.request_id import accept_request_id
from seatguard.settings import Settings
from seatguard.worker.runner import dispatch


def capture(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger(f"seatguard.test.{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_json_lines_carry_time_level_logger_message_and_request_id():
    logger, stream = capture(JsonFormatter())
    with request_context("req-42"):
        logger.info("order %s completed", "o-1", extra={"order_id": "o-1"})
    logger.warning("outside any request")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "order o-1 completed"
    assert first["level"] == "INFO"
    assert first["logger"] == logger.name
    assert first["request_id"] == "req-42"
    assert first["order_id"] == "o-1"
    assert first["time"].endswith("+00:00")
    assert second["request_id"] is None
    assert second["level"] == "WARNING"


def test_json_lines_include_the_traceback():
    logger, stream = capture(JsonFormatter())
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    entry = json.loads(stream.getvalue())
    assert "ValueError: boom" in entry["exc_info"]


def test_request_context_restores_the_previous_id_and_ignores_non_strings():
    with request_context("outer"):
        with request_context(None):
            assert current_request_id() is None
        with request_context(123):
            assert current_request_id() is None
        assert current_request_id() == "outer"
    assert current_request_id() is None


def test_queue_bodies_get_the_request_id_only_inside_a_request():
    body = {"type": "payment.checkout_completed", "session_id": "cs_1"}
    assert with_request_id(body) == body
    with request_context("req-7"):
        assert with_request_id(body) == {**body, "request_id": "req-7"}
    assert "request_id" not in body


def test_the_worker_restores_the_request_id_around_each_handler():
    seen: list[str | None] = []
    handlers = {"ping": lambda _body: seen.append(current_request_id())}
    dispatch(handlers, {"type": "ping", "request_id": "req-from-webhook"})
    dispatch(handlers, {"type": "ping"})
    assert seen == ["req-from-webhook", None]
    assert current_request_id() is None


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("abc-123", True),
        ("5f0c8a3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f", True),
        ("has space", False),
        ("line\nbreak", False),
        ("x" * 129, False),
        ("", False),
        (None, False),
    ],
)
def test_incoming_request_ids_are_kept_only_when_plain(value, kept):
    accepted = accept_request_id(value)
    assert (accepted == value) is kept
    assert 1 <= len(accepted) <= 128


def test_log_format_defaults_to_text_in_development_and_json_elsewhere():
    assert Settings(env="development").resolved_log_format == "text"
    assert Settings(env="test").resolved_log_format == "json"
    assert Settings(env="test", log_format="text").resolved_log_format == "text"
    json_config = logging_config(Settings(env="test", log_level="warning"))
    assert json_config["formatters"]["default"]["()"].endswith("JsonFormatter")
    assert json_config["root"]["level"] == "WARNING"
    text_config = logging_config(Settings(env="development"))
    assert "%(request_id)s" in text_config["formatters"]["default"]["format"]


def test_the_config_routes_uvicorn_through_the_same_formatter():
    stream = io.StringIO()
    config = logging_config(Settings(env="test"))
    config["handlers"]["default"]["stream"] = stream
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.config.dictConfig(config)
        with request_context("req-uv"):
            logging.getLogger("uvicorn.error").warning("Started server process")
    finally:
        root.handlers, level = saved
        root.setLevel(level)
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["logger"] == "uvicorn.error"
    assert entry["request_id"] == "req-uv"


@pytest.mark.parametrize(("level", "stripe_info_shown"), [("info", False), ("debug", True)])
def test_stripe_calls_and_alembic_plugins_stay_quiet_unless_debugging(level, stripe_info_shown):
    stream = io.StringIO()
    config = logging_config(Settings(env="test", log_level=level))
    config["handlers"]["default"]["stream"] = stream
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    chatty = {name: logging.getLogger(name).level for name in ("stripe", "alembic.runtime.plugins")}
    try:
        logging.config.dictConfig(config)
        logging.getLogger("stripe").info("Request to Stripe api")
        logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate")
        logging.getLogger("stripe").warning("Stripe retried a request")
        logging.getLogger("seatguard.worker").info("order fulfilled")
    finally:
        root.handlers, root_level = saved
        root.setLevel(root_level)
        for name, old in chatty.items():
            logging.getLogger(name).setLevel(old)
    messages = [json.loads(line)["message"] for line in stream.getvalue().splitlines()]
    assert "Stripe retried a request" in messages
    assert "order fulfilled" in messages
    assert ("Request to Stripe api" in messages) is stripe_info_shown
    assert ("setup plugin alembic.autogenerate" in messages) is stripe_info_shown
