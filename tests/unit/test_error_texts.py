"""Every API error can be answered in Spanish: a message built with values in it cannot be
looked up in the catalogue, so its code must have a sentence of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import seatguard
import seatguard.app  # imports every module that defines an error class
from seatguard.common.error_texts import CODE_MESSAGES, localise
from seatguard.common.errors import AppError

SOURCE = Path(seatguard.__file__).parent


def _error_classes() -> dict[str, type[AppError]]:
    found: dict[str, type[AppError]] = {}
    todo: list[type[AppError]] = [AppError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def _built_messages() -> list[tuple[str, str | None]]:
    """(where, code) of every error raised with an f-string message."""
    classes = _error_classes()
    out: list[tuple[str, str | None]] = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in classes or not node.args:
                continue
            if not isinstance(node.args[0], ast.JoinedStr):
                continue
            code = next(
                (
                    k.value.value
                    for k in node.keywords
                    if k.arg == "code" and isinstance(k.value, ast.Constant)
                ),
                classes[node.func.id].code,  # the class's own code
            )
            out.append((f"{path.relative_to(SOURCE)}:{node.lineno}", str(code)))
    return out


def test_the_scan_finds_the_messages_built_with_values():
    assert len(_built_messages()) >= 5  # the scan itself works


def test_every_error_message_built_with_values_has_its_code_sentence():
    missing = [(where, code) for where, code in _built_messages() if code not in CODE_MESSAGES]
    assert missing == []


def test_a_built_message_is_answered_in_spanish_with_its_values():
    spanish = localise(
        "hold_limit_reached",
        "At most 8 seats may be held per event.",
        {"limit": 8},
        "es",
    )
    assert "8" in spanish
    assert spanish != "At most 8 seats may be held per event."
