"""Language choice and catalogues: account > cookie > Accept-Language > English; no gaps."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from seatguard.common.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    from_accept_language,
    gettext,
    negotiate,
    use_language,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("account", "cookie", "accept", "expected"),
    [
        ("es", "en", "en-US", "es"),  # the account wins
        ("", "es", "en-US", "es"),  # then the cookie
        (None, None, "es-ES,es;q=0.9", "es"),  # then Accept-Language
        (None, "fr", "fr-FR, es;q=0.5, en;q=0.4", "es"),  # the best language we speak
        (None, None, "en-GB,en;q=0.9,es;q=0.8", "en"),
        (None, None, "es;q=0.2, en;q=0.9", "en"),  # by weight, not by position
        (None, None, "en-AR", "es"),  # Argentina is offered Spanish first
        (None, None, "en-US, es-AR;q=0.1", "es"),
        (None, None, "fr-FR, de", "en"),  # nothing we speak: English
        (None, None, None, "en"),
        ("xx", "yy", "zz", "en"),
        (None, None, "es;q=0, en", "en"),  # q=0 means "not this"
    ],
)
def test_negotiation_order(account, cookie, accept, expected):
    assert negotiate(account=account, cookie=cookie, accept_language=accept) == expected


@given(st.text(max_size=200))
def test_any_accept_language_header_gives_a_language_we_speak(header):
    assert from_accept_language(header) in (*LANGUAGES, None)
    assert negotiate(accept_language=header) in LANGUAGES


def test_the_language_is_scoped_to_its_block():
    assert gettext("Concerts") == "Concerts"
    with use_language("es"):
        assert gettext("Concerts") == "Conciertos"
        with use_language("en"):
            assert gettext("Concerts") == "Concerts"
        assert gettext("Concerts") == "Conciertos"
    assert gettext("Concerts") == "Concerts"


def _pot_ids() -> set[object]:
    with (LOCALE_DIR / "messages.pot").open("rb") as f:
        return {_key(m.id) for m in read_po(f) if m.id}


def test_the_committed_template_holds_every_text_in_the_code(tmp_path):
    """Extract again: a text added to the code but not to the catalogues fails here."""
    out = tmp_path / "messages.pot"
    keywords = re.search(
        r"MSG_KEYWORDS := (.*?)\nLOCALE_DIR", (ROOT / "Makefile").read_text(), re.S
    )
    assert keywords is not None
    args = keywords.group(1).replace("\\\n", " ").split()
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "--no-location",
            "--omit-header",
            *args,
            "-o",
            str(out),
            "src/seatguard",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as f:
        fresh = {_key(m.id) for m in read_po(f) if m.id}
    assert fresh - _pot_ids() == set(), "run `make messages` and translate the new texts"


def test_every_text_has_a_spanish_translation():
    with (LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {_key(m.id) for m in catalogue if m.id and m.string and all(m.string)}
    missing = _pot_ids() - translated
    assert missing == set(), f"untranslated into Spanish: {sorted(map(str, missing))}"
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert fuzzy == []


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_compiled_catalogue_matches_the_po_file():
    with (LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        po = {_key(m.id): _key(m.string) for m in read_po(f) if m.id}
    with (LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        mo = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    assert mo == po, "run `make messages` to compile the catalogues"


def test_placeholders_survive_translation():
    with (LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    holder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for message in catalogue:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        strings = [message.string] if isinstance(message.string, str) else message.string or []
        for text in strings:
            assert set(holder.findall(text)) <= set(holder.findall(source)), message.id
