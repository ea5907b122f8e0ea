"""The page scripts show only texts handed over by the server, so both languages reach them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seatguard.common.i18n import use_language
from seatguard.web.texts import SCRIPT_TEXTS, STATUS_NAMES, script_texts, status_name

STATIC = Path(__file__).resolve().parents[2] / "src" / "seatguard" / "web" / "static"
# Scripts whose every sentence is translated (each key of SG.t must exist).
TRANSLATED = (
    "app.js",
    "auth.js",
    "result.js",
    "seatmap.js",
    "admin.js",
    "admin-editor.js",
    "tickets.js",
    "checkin.js",
)
# A piece of a sentence: a capitalised word and a space, or words ending like a sentence.
SENTENCE = re.compile(r"\"([A-Z][a-z']* [^\"]*|[A-Z][a-z]+[.…!?]|[^\"]* [a-z]+[^\"]*[.…!?])\"")
NOT_TEXT = {"Bearer "}


@pytest.mark.parametrize("script", TRANSLATED)
def test_every_key_a_script_asks_for_is_handed_over(script):
    source = (STATIC / script).read_text()
    keys = set(re.findall(r"SG\.t\(\"(\w+)\"", source)) | set(re.findall(r"\bt\(\"(\w+)\"", source))
    assert keys, f"{script} shows no translated text"
    assert keys - SCRIPT_TEXTS.keys() == set()


@pytest.mark.parametrize("script", TRANSLATED)
def test_no_script_carries_an_english_sentence_of_its_own(script):
    assert set(SENTENCE.findall((STATIC / script).read_text())) - NOT_TEXT == set()


def test_the_sentence_pattern_catches_what_it_is_for():
    sample = (
        'say("Seat " + n + " was taken."); x("Uploading…"); y("Bearer " + t); z("Platea"); '
        'SG.el("span", { class: "secondary small" })'
    )
    assert SENTENCE.findall(sample) == ["Seat ", " was taken.", "Uploading…", "Bearer "]


def test_script_texts_and_status_names_speak_spanish():
    with use_language("es"):
        texts = script_texts()
        assert texts["orders_found"] == "Se encontraron {count} pedidos."
        assert {status_name(code) for code in STATUS_NAMES}.isdisjoint(STATUS_NAMES.values())
        assert status_name("SOMETHING_NEW") == "SOMETHING_NEW"
    assert status_name("COMPLETED") == "Completed"
