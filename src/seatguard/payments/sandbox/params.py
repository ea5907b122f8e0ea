"""Check request parameters the way Stripe does, with Stripe's messages and codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from seatguard.common.emails import is_valid_email
from seatguard.payments.sandbox.errors import SandboxError, invalid_request, missing

MIN_SESSION_SECONDS = 30 * 60
MAX_SESSION_SECONDS = 24 * 60 * 60
SESSION_PARAMS = {
    "mode", "payment_method_types", "line_items", "success_url", "cancel_url", "expires_at",
    "client_reference_id", "customer_email", "metadata", "expand", "locale", "submit_type",
}  # fmt: skip
REFUND_PARAMS = {"payment_intent", "charge", "amount", "reason", "metadata", "expand"}
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemParams:
    name: str
    unit_amount: int
    quantity: int
    currency: str


def reject_unknown(params: dict[str, Any], allowed: set[str]) -> None:
    for name in params:
        if name not in allowed:
            raise invalid_request(f"Received unknown parameter: {name}", param=name)


def integer(value: Any, param: str, *, minimum: int | None = None) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"-?\d{1,15}", value):
        raise SandboxError(
            f"Invalid integer: {value}", code="parameter_invalid_integer", param=param
        )
    number = int(value)
    if minimum is not None and number < minimum:
        raise SandboxError(
            f"This value must be greater than or equal to {minimum}.",
            code="parameter_invalid_integer",
            param=param,
        )
    return number


def text(
    params: dict[str, Any], name: str, *, required: bool = False, max_len: int = 5000
) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return None
    if not isinstance(value, str):
        raise invalid_request(f"Invalid string: {name}", param=name)
    if len(value) > max_len:
        raise invalid_request(
            f"Invalid string: {value[:20]}...; must be at most {max_len} characters", param=name
        )
    return value


def metadata(params: dict[str, Any]) -> dict[str, str]:
    value = params.get("metadata")
    if value is None or value == "":
        return {}
    if not isinstance(value, dict) or len(value) > 50:
        raise invalid_request(
            "Invalid metadata: up to 50 string keys and values.", param="metadata"
        )
    for key, item in value.items():
        if not isinstance(item, str) or len(key) > 40 or len(item) > 500:
            raise invalid_request(
                "Metadata keys are at most 40 characters, values at most 500.",
                param=f"metadata[{key}]",
            )
    return dict(value)


def line_items(params: dict[str, Any]) -> list[ItemParams]:
    raw = params.get("line_items")
    if raw is None:
        raise missing("line_items")
    if not isinstance(raw, list) or not raw or len(raw) > 100:
        raise invalid_request("Invalid array", param="line_items")
    items = [_line_item(entry, f"line_items[{i}]") for i, entry in enumerate(raw)]
    if len({item.currency for item in items}) > 1:
        raise invalid_request(
            "All line items must be in the same currency.",
            param="line_items[0][price_data][currency]",
        )
    return items


def _line_item(entry: Any, where: str) -> ItemParams:
    if not isinstance(entry, dict):
        raise invalid_request("Invalid object", param=where)
    if "price" in entry:
        raise invalid_request(
            "This sandbox supports only `price_data` line items.", param=f"{where}[price]"
        )
    price = entry.get("price_data")
    if not isinstance(price, dict):
        raise missing(f"{where}[price_data]")
    product = price.get("product_data")
    if not isinstance(product, dict):
        raise missing(f"{where}[price_data][product_data]")
    name = text(product, "name", max_len=250)
    if name is None:
        raise missing(f"{where}[price_data][product_data][name]")
    currency = price.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[a-z]{3}", currency):
        raise invalid_request(
            f"Invalid currency: {currency}.", param=f"{where}[price_data][currency]"
        )
    if "unit_amount" not in price:
        raise missing(f"{where}[price_data][unit_amount]")
    unit_amount = integer(price["unit_amount"], f"{where}[price_data][unit_amount]", minimum=0)
    if "quantity" not in entry:
        raise missing(f"{where}[quantity]")
    quantity = integer(entry["quantity"], f"{where}[quantity]", minimum=1)
    return ItemParams(name=name, unit_amount=unit_amount, quantity=quantity, currency=currency)


def expires_at(params: dict[str, Any], *, now: int) -> int:
    if params.get("expires_at") in (None, ""):
        return now + MAX_SESSION_SECONDS
    value = integer(params["expires_at"], "expires_at")
    if value < now + MIN_SESSION_SECONDS:
        raise invalid_request(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
            "creation.",
            param="expires_at",
        )
    if value > now + MAX_SESSION_SECONDS:
        raise invalid_request(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    return value


def check_session_shape(params: dict[str, Any]) -> None:
    reject_unknown(params, SESSION_PARAMS)
    mode = text(params, "mode", required=True)
    if mode != "payment":
        raise invalid_request("This sandbox supports only `mode=payment`.", param="mode")
    methods = params.get("payment_method_types")
    if methods is not None and methods != ["card"]:
        raise invalid_request(
            "This sandbox supports only `payment_method_types[]=card`.",
            param="payment_method_types",
        )


def email(params: dict[str, Any], name: str) -> str | None:
    """An optional email address; Stripe answers 400 ``email_invalid`` for a malformed one."""
    value = text(params, name, max_len=800)
    if value is not None and not is_valid_email(value):
        raise invalid_request(f"Invalid email address: {value[:40]!r}", param=name)
    return value
