"""Decode Stripe's form encoding (``line_items[0][price_data][currency]=eur``) into nested data."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from seatguard.payments.sandbox.errors import invalid_request

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
MAX_DEPTH = 6


def decode_form(body: bytes) -> dict[str, Any]:
    """Nested dicts for ``a[b]``, lists for ``a[0]`` and ``a[]``; values stay strings."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise invalid_request("The request body is not valid UTF-8.") from exc
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise invalid_request(f"Invalid parameter name: {key}.", param=key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        if len(parts) > MAX_DEPTH:
            raise invalid_request(f"Parameter nested too deeply: {key}.", param=key)
        _assign(root, parts, value, key)
    return _listify(root)  # type: ignore[no-any-return]


def _assign(node: dict[str, Any], parts: list[str], value: str, key: str) -> None:
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "":
            part = str(sum(1 for k in node if k.isdigit()))
        if last:
            if isinstance(node.get(part), dict):
                raise invalid_request(f"Conflicting values for parameter {key}.", param=key)
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise invalid_request(f"Conflicting values for parameter {key}.", param=key)
        node = child


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted
