"""The ticket QR encoder: every symbol decodes to its text, its function patterns, format and
version information are segno's, and its error correction is textbook Reed-Solomon."""

from __future__ import annotations

import segno
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from seatguard.tickets import qr
from seatguard.tickets.qr import qr_rows


def image(size: int, rows: list[int], scale: int = 3) -> Image.Image:
    side = size + 8  # a quiet zone of four modules
    picture = Image.new("L", (side, side), 255)
    for y, row in enumerate(rows):
        for x in range(size):
            if (row >> (size - 1 - x)) & 1:
                picture.putpixel((x + 4, y + 4), 0)
    return picture.resize((side * scale, side * scale), Image.Resampling.NEAREST)


def decoded(size: int, rows: list[int]) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image(size, rows))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F, exclude_categories=["Cs"]),
        min_size=1,
        max_size=400,
    ),
    mask=st.one_of(st.none(), st.integers(0, 7)),
)
def test_every_symbol_decodes_to_its_text(text: str, mask: int | None):
    size, rows = qr_rows(text, mask=mask)
    assert size == len(rows)
    assert all(0 <= row < 1 << size for row in rows)
    assert decoded(size, rows) == [text]


def test_a_ticket_code_sized_text_decodes_with_each_mask():
    text = "SG1." + "AbCdEfGh_-0123456789" * 7 + ".sig"
    for mask in range(8):
        assert decoded(*qr_rows(text, mask=mask)) == [text]


def _function_modules(version: int) -> set[tuple[int, int]]:
    layout = qr._layout(version)
    data = {(i, layout.size - 1 - bit.bit_length() + 1) for i, bit in layout.order}
    return {(i, j) for i in range(layout.size) for j in range(layout.size)} - data


def test_function_patterns_format_and_version_information_are_segnos():
    for length in (1, 20, 60, 150, 160, 300, 700, 2000):
        text = "x" * length
        for mask in range(8):
            size, rows = qr_rows(text, mask=mask)
            theirs = segno.make_qr(text, error="m", mask=mask, mode="byte")
            assert len(theirs.matrix) == size
            version = (size - 17) // 4
            assert theirs.version == version
            for i, j in _function_modules(version):
                assert (rows[i] >> (size - 1 - j)) & 1 == theirs.matrix[i][j] & 1, (length, i, j)


def _textbook_remainder(data: bytes, degree: int) -> bytes:
    """Polynomial long division over GF(2^8) with x^8 + x^4 + x^3 + x^2 + 1, coefficient by
    coefficient (no tables shared with the encoder)."""

    def mul(a: int, b: int) -> int:
        product = 0
        while b:
            if b & 1:
                product ^= a
            a <<= 1
            if a & 0x100:
                a ^= 0x11D
            b >>= 1
        return product

    generator = [1]
    root = 1
    for _ in range(degree):
        nxt = [0] * (len(generator) + 1)
        for k, c in enumerate(generator):
            nxt[k] ^= c
            nxt[k + 1] ^= mul(c, root)
        generator = nxt
        root = mul(root, 2)
    message = list(data) + [0] * degree
    for k in range(len(data)):
        lead = message[k]
        if lead:
            for m, c in enumerate(generator):
                message[k + m] ^= mul(c, lead)
    return bytes(message[len(data) :])


@given(data=st.binary(min_size=1, max_size=120), degree=st.sampled_from([7, 10, 22, 26, 30]))
def test_error_correction_is_the_reed_solomon_remainder(data: bytes, degree: int):
    assert qr._remainder(data, degree) == _textbook_remainder(data, degree)


def _reference_penalty(rows: list[int], size: int) -> int:
    """ISO/IEC 18004 7.8.3 on '0'/'1' strings with regular expressions (quiet zone light)."""
    import itertools
    import re

    lines = [format(row, f"0{size}b") for row in rows]
    lines += ["".join(column) for column in zip(*lines, strict=True)]
    score = 0
    for line in lines:
        score += sum(len(run) - 2 for run in re.findall(r"0{5,}|1{5,}", line))
        score += 40 * len(re.findall(r"(?=10111010000|00001011101)", "0000" + line + "0000"))
    for a, b in itertools.pairwise(lines[:size]):
        score += 3 * sum(1 for j in range(size - 1) if a[j] == a[j + 1] == b[j] == b[j + 1])
    dark = "".join(lines[:size]).count("1")
    total = size * size
    k = 0
    while abs(dark * 100 / total - 50) >= 5 * (k + 1):
        k += 1
    return score + 10 * k


@settings(max_examples=200)
@given(size=st.sampled_from([21, 25, 45, 49]), data=st.data())
def test_the_mask_penalty_is_the_standards(size: int, data: st.DataObject):
    rows = [data.draw(st.integers(0, (1 << size) - 1)) for _ in range(size)]
    assert qr._penalty(rows, qr._transpose(rows, size), size) == _reference_penalty(rows, size)


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300))
def test_the_symbol_is_the_one_with_the_lowest_standard_penalty(text: str):
    """The mask is chosen on packed integers; the choice is the reference penalty's (the first
    of the lowest), and the symbol is that mask's."""
    candidates = [qr_rows(text or "x", mask=mask) for mask in range(8)]
    scores = [_reference_penalty(rows, size) for size, rows in candidates]
    assert qr_rows(text or "x") == candidates[scores.index(min(scores))]
