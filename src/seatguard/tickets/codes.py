"""Ticket codes a door scanner can verify offline, with nothing but our public key.

A code is ``SG1.<payload>.<signature>``, both parts unpadded base64url:

* payload: ticket id (16 bytes) + event id (16 bytes) + seat label (UTF-8, the rest);
  the ids are what check-in trusts; the label is what a door scanner shows offline, cut to
  at most ``MAX_SEAT_LABEL_BYTES`` whole characters (ending in "…" when cut), so every seat
  the API accepts gets a code;
* signature: Ed25519 over ``b"SG1." + payload``, so the version prefix is signed too.

That is about 150 ASCII characters for a usual seat label: a small, robust QR code.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from seatguard.common.errors import AppError

VERSION = "SG1"
_PREFIX = (VERSION + ".").encode()
_IDS = 32
MAX_SEAT_LABEL_BYTES = 64
MAX_CODE_CHARS = 512


class MalformedCode(AppError):
    """The text is not a ticket code at all (wrong shape, version or encoding)."""

    status_code = 400
    code = "malformed_code"


class ForgedCode(AppError):
    """The code has the right shape but was not signed by our key (tampered or forged)."""

    status_code = 404
    code = "forged_code"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketClaims:
    ticket_id: uuid.UUID
    event_id: uuid.UUID
    seat_label: str
    version: str = VERSION


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def b64url_decode(text: str) -> bytes:
    """Unpadded base64url in its one canonical spelling, or ``ValueError``.

    Base64 lets the unused low bits of the last character vary (``...Q`` and ``...R`` can decode
    to the same bytes) and decoders skip stray characters; both are refused, so a code has
    exactly one accepted text."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url text")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("not the canonical base64url spelling")
    return data


ELLIPSIS = "…"


def fit_label(label: str, limit: int = MAX_SEAT_LABEL_BYTES) -> bytes:
    """The label as a code carries it: UTF-8, at most ``limit`` bytes, cut between whole
    characters and marked with "…" when it had to be cut."""
    encoded = label.encode("utf-8")
    if len(encoded) <= limit:
        return encoded
    room = limit - len(ELLIPSIS.encode("utf-8"))
    cut = encoded[:room].decode("utf-8", errors="ignore").rstrip()
    return (cut + ELLIPSIS).encode("utf-8")


def sign_ticket(
    *,
    ticket_id: uuid.UUID,
    event_id: uuid.UUID,
    seat_label: str,
    private_key: Ed25519PrivateKey,
) -> str:
    label = fit_label(seat_label.strip())
    if not label:
        raise ValueError("a seat label cannot be empty")
    payload = ticket_id.bytes + event_id.bytes + label
    signature = private_key.sign(_PREFIX + payload)
    return f"{VERSION}.{b64url_encode(payload)}.{b64url_encode(signature)}"


def verify_code(code: str, public_key: Ed25519PublicKey) -> TicketClaims:
    """Check the signature and decode the claims; raise MalformedCode or ForgedCode."""
    text = code.strip()
    parts = text.split(".")
    if len(text) > MAX_CODE_CHARS or len(parts) != 3 or parts[0] != VERSION:
        raise MalformedCode("This is not a SeatGuard ticket code.")
    try:
        payload = b64url_decode(parts[1])
        signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise MalformedCode("The ticket code is not correctly encoded.") from exc
    if len(signature) != 64 or len(payload) <= _IDS:
        raise MalformedCode("The ticket code has the wrong length.")
    try:
        public_key.verify(signature, _PREFIX + payload)
    except InvalidSignature as exc:
        raise ForgedCode("This ticket code was not issued by SeatGuard.") from exc
    try:
        label = payload[_IDS:].decode("utf-8")
    except UnicodeDecodeError as exc:  # signed by us, so only a bug could get here
        raise MalformedCode("The ticket code's seat label is not UTF-8.") from exc
    return TicketClaims(
        ticket_id=uuid.UUID(bytes=payload[:16]),
        event_id=uuid.UUID(bytes=payload[16:_IDS]),
        seat_label=label,
    )
