"""Spanish and English: which language a request speaks, and its translated texts.

The language in force is kept in a context variable, so the gettext functions installed in
the shared Jinja environments (pages and emails) and the PDF's lines read it without being
handed it. ``use_language`` sets it for a block; nothing sets it globally.

Order of choice for a request: the account's language (the token's ``lang`` claim), then the
``lang`` cookie set by the page switcher, then ``Accept-Language``, then English. A visitor
whose ``Accept-Language`` names Argentina (``es-AR``, ``en-AR``…) is offered Spanish first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current: ContextVar[str] = ContextVar("seatguard_language", default=DEFAULT_LANGUAGE)
_TAG = re.compile(r"^([A-Za-z]{1,8})(?:[-_]([A-Za-z0-9]{1,8}))*$")


def supported(value: str | None) -> str | None:
    """``es`` for ``es``, ``ES`` or ``es-AR``; None for a language we do not speak."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The best supported language of an ``Accept-Language`` header, or None.

    Tags are taken by their ``q`` weight (ties keep their order); any tag with the region
    ``AR`` puts Spanish first, whatever language it names.
    """
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or (not _TAG.match(tag) and tag != "*"):
            continue
        weight = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                weight = float(match.group(1))
            except ValueError:
                continue
        if weight <= 0:
            continue
        subtags = tag.replace("_", "-").split("-")
        if len(subtags) > 1 and subtags[1].upper() == "AR":
            return "es"
        ranked.append((-weight, index, tag))
    for _weight, _index, tag in sorted(ranked):
        language = supported(tag)
        if language:
            return language
    return None


def negotiate(
    *, account: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> str:
    """Account > cookie > Accept-Language > English."""
    return (
        supported(account)
        or supported(cookie)
        or from_accept_language(accept_language)
        or DEFAULT_LANGUAGE
    )


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (English's is empty: the texts are English)."""
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


def current_language() -> str:
    return _current.get()


@contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Speak ``language`` (or English) inside the block."""
    chosen = supported(language) or DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ungettext(singular, plural, n)


def is_translated(message: str, language: str) -> bool:
    """Whether ``language``'s catalogue has ``message`` (always true for English)."""
    if language == DEFAULT_LANGUAGE:
        return True
    return translations(language).ugettext(message) != message


def N_(message: str) -> str:
    """Mark a string for the catalogue without translating it here."""
    return message
