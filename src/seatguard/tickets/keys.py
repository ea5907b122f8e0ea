"""The Ed25519 key pair that signs ticket codes.

``TICKET_SIGNING_KEY`` holds the private key as PEM (PKCS#8) or as the 32 raw bytes in
base64/base64url. When it is unset, development and test generate a key once and keep it
in ``TICKET_KEY_FILE`` (default ``.seatguard-ticket-key.pem`` in the working directory), so
tickets keep verifying across restarts; production refuses to start without a key.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from seatguard.settings import Settings
from seatguard.tickets.codes import b64url_encode


class TicketKeyError(RuntimeError):
    """The configured key is missing (in production) or unreadable."""


@dataclass(frozen=True, slots=True)
class TicketKeys:
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey

    @classmethod
    def from_private(cls, private_key: Ed25519PrivateKey) -> TicketKeys:
        return cls(private_key=private_key, public_key=private_key.public_key())

    @property
    def public_pem(self) -> str:
        return public_key_pem(self.public_key)

    @property
    def public_raw_b64url(self) -> str:
        return b64url_encode(self.public_key.public_bytes_raw())


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def private_key_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _raw_bytes(text: str) -> bytes:
    cleaned = "".join(text.split())
    try:
        return base64.urlsafe_b64decode(
            cleaned.replace("+", "-").replace("/", "_") + "=" * (-len(cleaned) % 4)
        )
    except (ValueError, binascii.Error) as exc:
        raise TicketKeyError("the key is neither PEM nor base64") from exc


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """PEM (PKCS#8) or base64/base64url of the 32 raw private bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except ValueError as exc:
            raise TicketKeyError("the PEM private key cannot be read") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise TicketKeyError("the ticket signing key must be an Ed25519 key")
        return key
    raw = _raw_bytes(text)
    if len(raw) != 32:
        raise TicketKeyError("a raw Ed25519 private key is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def parse_public_key(text: str) -> Ed25519PublicKey:
    """PEM (SubjectPublicKeyInfo) or base64/base64url of the 32 raw public bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError as exc:
            raise TicketKeyError("the PEM public key cannot be read") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise TicketKeyError("the ticket public key must be an Ed25519 key")
        return key
    raw = _raw_bytes(text)
    if len(raw) != 32:
        raise TicketKeyError("a raw Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        return parse_private_key(path.read_text())
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: if two processes race, the first file wins and both use it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return parse_private_key(path.read_text())
    with os.fdopen(fd, "w") as fh:
        fh.write(private_key_pem(key))
    return key


def load_ticket_keys(settings: Settings) -> TicketKeys:
    if settings.ticket_signing_key:
        return TicketKeys.from_private(parse_private_key(settings.ticket_signing_key))
    if settings.env == "production":
        raise TicketKeyError("TICKET_SIGNING_KEY must be set in production")
    return TicketKeys.from_private(_load_or_create(Path(settings.ticket_key_file)))
