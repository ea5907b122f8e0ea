"""Short ticket codes a person can read aloud or type: ``K7QM-4XPD-9TRB``.

Twelve symbols of Crockford's base32 (no I, L, O or U) carry 60 random bits, drawn from the
operating system's CSPRNG when the ticket is issued and stored with it under a unique index.
A short code is only a key to look the ticket up: the server finds the ticket and then
applies every check a signed code gets (event, refund, first scan). Being random rather than
derived, it reveals nothing about the signed code or any key, and leaking or rotating a key
changes no printed ticket. Typing is forgiving: case, dashes, spaces and the look-alikes
O/0 and I/L/1 do not matter.
"""

from __future__ import annotations

import secrets

from seatguard.tickets.codes import MalformedCode

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
GROUP = 4
RANDOM_BITS = LENGTH * 5
_SEPARATORS = str.maketrans("", "", " -_\t\n\r")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class MalformedShortCode(MalformedCode):
    """Not twelve symbols of the short-code alphabet once separators are dropped."""

    status_code = 422
    code = "malformed_short_code"


def new_short_code() -> str:
    """A fresh code in canonical form (upper case, no separators)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def looks_signed(text: str) -> bool:
    """A signed code has dots between its parts; a short code never does."""
    return "." in text


def normalise_short_code(text: str) -> str:
    """The canonical form of what was typed; raise ``MalformedShortCode`` if it is none."""
    canonical = text.upper().translate(_SEPARATORS).translate(_LOOKALIKES)
    if len(canonical) != LENGTH or any(char not in ALPHABET for char in canonical):
        raise MalformedShortCode(
            f"A short ticket code is {LENGTH} letters and digits, like K7QM-4XPD-9TRB."
        )
    return canonical


def format_short_code(canonical: str) -> str:
    """``K7QM4XPD9TRB`` → ``K7QM-4XPD-9TRB`` for printing."""
    return "-".join(canonical[i : i + GROUP] for i in range(0, len(canonical), GROUP))
