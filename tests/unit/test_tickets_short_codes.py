"""Short ticket codes: random, printable, and read back whatever a person types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatguard.tickets.short_codes import (
    ALPHABET,
    LENGTH,
    RANDOM_BITS,
    MalformedShortCode,
    format_short_code,
    looks_signed,
    new_short_code,
    normalise_short_code,
)

canonical_codes = st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH)
LOOKALIKE = {"0": "Oo", "1": "IiLl"}


@st.composite
def typed_forms(draw: st.DrawFn) -> tuple[str, str]:
    """(canonical, what a person typed): any case, separators anywhere, look-alikes."""
    canonical = draw(canonical_codes)
    typed = []
    for char in canonical:
        typed.append(draw(st.sampled_from(["", " ", "-", " - ", "_"])))
        options = [char, char.lower(), *LOOKALIKE.get(char, "")]
        typed.append(draw(st.sampled_from(options)))
    typed.append(draw(st.sampled_from(["", " ", "\n"])))
    return canonical, "".join(typed)


@given(typed_forms())
def test_any_typed_form_normalises_to_its_code(pair: tuple[str, str]) -> None:
    canonical, typed = pair
    assert normalise_short_code(typed) == canonical
    assert normalise_short_code(format_short_code(canonical)) == canonical
    assert not looks_signed(typed)


@given(st.text(max_size=20))
def test_anything_else_is_malformed_or_a_valid_code(text: str) -> None:
    try:
        canonical = normalise_short_code(text)
    except MalformedShortCode:
        return
    assert len(canonical) == LENGTH
    assert set(canonical) <= set(ALPHABET)


def test_new_codes_are_random_printable_and_long_enough() -> None:
    assert RANDOM_BITS >= 50
    assert len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)
    codes = {new_short_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == LENGTH and normalise_short_code(c) == c for c in codes)
    counts = {char: sum(c.count(char) for c in codes) for char in ALPHABET}
    expected = 2000 * LENGTH / 32  # 750 per symbol: every symbol is drawn, none favoured
    assert all(abs(n - expected) < expected * 0.25 for n in counts.values())
    assert format_short_code("K7QM4XPD9TRB") == "K7QM-4XPD-9TRB"


@pytest.mark.parametrize(
    "text", ["", "K7QM-4XPD-9T", "K7QM-4XPD-9TRB-X", "K7QM-4XPD-9TRU", "K7QM·4XPD·9TRB"]
)
def test_wrong_length_or_symbols_are_malformed(text: str) -> None:
    with pytest.raises(MalformedShortCode):
        normalise_short_code(text)
