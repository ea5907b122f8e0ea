"""One rule for an email address, wherever one enters: the API, the CLI, an import, the sandbox.

An address that reaches an order or an account must be one a mail server accepts in a header:
``email-validator``'s syntax check (no deliverability lookup), which refuses CR, LF, NUL, spaces
and every other character that would break a header or an SMTP command.
"""

from __future__ import annotations

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field

MAX_EMAIL_CHARS = 320


def check_email(value: str) -> str:
    """``value`` trimmed if it is a valid address; ``ValueError`` naming the problem if not."""
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError("An email address cannot contain control characters (CR, LF, NUL...).")
    text = value.strip()
    if not text or len(text) > MAX_EMAIL_CHARS:
        raise ValueError(f"An email address is 1 to {MAX_EMAIL_CHARS} characters.")
    try:
        # Syntax only, no DNS lookup; ``.test`` domains pass (RFC 2606, for tests and demos).
        validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(f"This is not a valid email address: {exc}") from exc
    return text


def is_valid_email(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        check_email(value)
    except ValueError:
        return False
    return True


EmailAddress = Annotated[str, Field(max_length=MAX_EMAIL_CHARS), AfterValidator(check_email)]
