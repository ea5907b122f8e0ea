"""The language of one HTTP request: account claim, then cookie, then Accept-Language."""

from __future__ import annotations

from typing import Any

import jwt
from starlette.requests import HTTPConnection

from seatguard.common.i18n import COOKIE, negotiate

_UNREAD = object()


def remember_token_language(connection: HTTPConnection, language: str | None) -> None:
    """The ``lang`` claim of the bearer token, once the authentication has verified it: a
    reply to the request is then worded without decoding the token a second time."""
    connection.state.token_language = language


def _claimed_language(connection: HTTPConnection) -> str | None:
    """The ``lang`` claim of the bearer token, read without verifying it.

    Only a language is taken from it, to word a reply; whether the token is any good is
    decided by the authentication, never here.
    """
    known = getattr(connection.state, "token_language", _UNREAD)
    if known is not _UNREAD:
        return known if isinstance(known, str) else None
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(token.strip(), options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    lang = claims.get("lang")
    return lang if isinstance(lang, str) else None


def request_language(connection: HTTPConnection) -> str:
    cached = getattr(connection.state, "language", None)
    if isinstance(cached, str):
        return cached
    language = negotiate(
        account=_claimed_language(connection),
        cookie=connection.cookies.get(COOKIE),
        accept_language=connection.headers.get("accept-language"),
    )
    connection.state.language = language
    return language
