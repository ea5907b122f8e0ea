"""The report's targets table links each row that is not met to its explanation in the notes
(which the report includes): every such link must find its heading."""

from __future__ import annotations

import re

from bench import report
from bench.markdown import NOTES, anchor


def headings(markdown: str) -> set[str]:
    return {anchor(m) for m in re.findall(r"^#+ (.+)$", markdown, flags=re.M)}


def test_every_explanation_a_target_links_to_is_a_heading_of_the_notes() -> None:
    whys = [v for k, v in vars(report).items() if k.startswith("WHY_")]
    assert len(whys) >= 7
    found = headings(NOTES.read_text())
    missing = [why for why in whys if anchor(why) not in found]
    assert not missing, f"bench/notes.md has no heading for {missing}"


def test_anchors_are_the_renderers() -> None:
    assert anchor("Hot seat: the losers' p99") == "#hot-seat-the-losers-p99"
    assert anchor("Flash-sale drain") == "#flash-sale-drain"
    assert headings("## A B\n### Seat map: a cached read\n") == {"#a-b", "#seat-map-a-cached-read"}
