"""Signed, expiring ticket download links a browser tab can open without headers.

A token is ``{expiry}.{mac}``: the expiry in Unix seconds and an HMAC-SHA256 over the order id
and that expiry, keyed with ``TICKET_LINK_SECRET`` or, when unset, a key derived from the JWT
secret. It opens one order's PDF until it expires and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from datetime import datetime

from seatguard.common.errors import Forbidden
from seatguard.common.security import parse_duration
from seatguard.settings import Settings

DOWNLOAD_PATH = "/api/v1/tickets/{order_id}/download"
_PURPOSE = b"seatguard ticket download link v1"
_ASCII_DIGITS = re.compile(r"[0-9]{1,12}")


def _key(settings: Settings) -> bytes:
    if settings.ticket_link_secret:
        return settings.ticket_link_secret.encode("utf-8")
    return hmac.new(settings.jwt_secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def _mac(order_id: uuid.UUID, expires: int, settings: Settings) -> str:
    message = f"download:{order_id}:{expires}".encode("ascii")
    digest = hmac.new(_key(settings), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def download_token(order_id: uuid.UUID, now: datetime, settings: Settings) -> str:
    """A token for ``order_id`` valid for ``TICKET_LINK_TTL`` from ``now``."""
    expires = int((now + parse_duration(settings.ticket_link_ttl)).timestamp())
    return f"{expires}.{_mac(order_id, expires, settings)}"


def sign_download_link(order_id: uuid.UUID, now: datetime, settings: Settings) -> str:
    """The absolute URL (on ``PUBLIC_BASE_URL``) of the order's PDF with a signed ``?token=``."""
    base = settings.public_base_url.rstrip("/")
    path = DOWNLOAD_PATH.format(order_id=order_id)
    return f"{base}{path}?token={download_token(order_id, now, settings)}"


def verify_download_token(
    token: str, order_id: uuid.UUID, now: datetime, settings: Settings
) -> None:
    """Return quietly if ``token`` opens ``order_id`` at ``now``; raise 403 otherwise."""
    expiry, _, mac = token.partition(".")
    if not _ASCII_DIGITS.fullmatch(expiry) or not mac.isascii():  # "²".isdigit() is True
        raise Forbidden("This download link is not valid.", code="invalid_download_link")
    if not hmac.compare_digest(mac.encode("ascii"), _mac(order_id, int(expiry), settings).encode()):
        raise Forbidden("This download link is not valid.", code="invalid_download_link")
    if int(expiry) <= int(now.timestamp()):
        raise Forbidden(
            "This download link has expired; open the order again.", code="download_link_expired"
        )
