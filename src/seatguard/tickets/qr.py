"""QR Code symbols for ticket codes: byte mode, error correction M or better, versions 1–40.

The symbols are ISO/IEC 18004 Model 2 QR Codes with segno's function patterns, format and
version information (the tests compare them, and decode every symbol with zxing-cpp), at a
fraction of segno's cost: most of segno's time goes to choosing the mask. What does not
depend on the data is computed once per version: the function patterns, the order in which
data bits fill the modules, and each mask as a row of bits. The Reed–Solomon remainder is a
big-integer shift-and-xor per codeword, each row of the symbol one integer, and the mask is
chosen by the standard's penalty score (N1–N4) computed on row and column strings with
string search. The level is raised above M while the data still fits the same version,
as segno does. The standard's tables (error correction blocks, alignment pattern positions,
format and version information) are segno's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from segno import consts

_LEVELS = {"M": consts.ERROR_LEVEL_M, "Q": consts.ERROR_LEVEL_Q, "H": consts.ERROR_LEVEL_H}
_BOOST = ("H", "Q", "M")  # the best level that still fits the version M needs
_PAD = b"\xec\x11"

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@cache
def _generator_table(degree: int) -> tuple[int, ...]:
    """For each leading coefficient c: the generator polynomial's lower terms times c, as one
    big-endian integer of ``degree`` bytes (one step of the remainder's long division)."""
    poly = [1]
    for i in range(degree):
        nxt = [*poly, 0]
        for j, coefficient in enumerate(poly):
            nxt[j + 1] ^= _mul(coefficient, _EXP[i])
        poly = nxt
    lower = poly[1:]
    return tuple(int.from_bytes(bytes(_mul(c, t) for t in lower), "big") for c in range(256))


def _remainder(data: bytes, degree: int) -> bytes:
    table = _generator_table(degree)
    top = 8 * (degree - 1)
    keep = (1 << (8 * degree)) - 1
    r = 0
    for byte in data:
        r = ((r << 8) & keep) ^ table[(r >> top) ^ byte]
    return r.to_bytes(degree, "big")


@dataclass(frozen=True, slots=True)
class _Layout:
    """What a version's symbols share: size, function modules, data module order, masks."""

    size: int
    fixed_rows: tuple[int, ...]  # dark function modules and version information (7 and up)
    order: tuple[tuple[int, int], ...]  # (row, bit) of each data module, in placement order
    masks: tuple[tuple[int, ...], ...]  # per mask: per row, the data modules it inverts
    fixed_columns: tuple[int, ...]  # the same by column (bit i of column j is row i)
    mask_columns: tuple[tuple[int, ...], ...]


def _transpose(rows: Sequence[int], size: int) -> list[int]:
    width = f"0{size}b"
    return [
        int("".join(column), 2) for column in zip(*(format(r, width) for r in rows), strict=False)
    ]


_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


@cache
def _layout(version: int) -> _Layout:
    size = 17 + 4 * version
    dark = [[False] * size for _ in range(size)]
    reserved = [[False] * size for _ in range(size)]

    def put(i: int, j: int, value: bool) -> None:
        dark[i][j] = value
        reserved[i][j] = True

    for k in range(size):
        put(6, k, k % 2 == 0)
        put(k, 6, k % 2 == 0)
    for ci, cj in ((3, 3), (3, size - 4), (size - 4, 3)):
        for di in range(-4, 5):
            for dj in range(-4, 5):
                if 0 <= ci + di < size and 0 <= cj + dj < size:
                    put(ci + di, cj + dj, max(abs(di), abs(dj)) not in (2, 4))
    centres = consts.ALIGNMENT_POS[version - 2] if version > 1 else ()
    last = len(centres) - 1
    for a, ci in enumerate(centres):
        for b, cj in enumerate(centres):
            if (a, b) in ((0, 0), (0, last), (last, 0)):
                continue
            for di in range(-2, 3):
                for dj in range(-2, 3):
                    put(ci + di, cj + dj, max(abs(di), abs(dj)) != 1)
    for i, j in _format_cells(size):
        put(i, j, False)
    put(size - 8, 8, True)  # the dark module
    version_rows = [0] * size
    if version >= 7:
        bits = consts.VERSION_INFO[version - 7]
        for k in range(18):
            on = (bits >> k) & 1 == 1
            a, b = size - 11 + k % 3, k // 3
            put(b, a, False)
            put(a, b, False)
            if on:
                version_rows[b] |= 1 << (size - 1 - a)
                version_rows[a] |= 1 << (size - 1 - b)
    order: list[tuple[int, int]] = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = (right + 1) & 2 == 0
        for step in range(size):
            i = size - 1 - step if upward else step
            for j in (right, right - 1):
                if not reserved[i][j]:
                    order.append((i, 1 << (size - 1 - j)))
        right -= 2
    function_rows = tuple(
        sum(1 << (size - 1 - j) for j in range(size) if dark[i][j]) for i in range(size)
    )
    masks = tuple(
        tuple(
            sum(1 << (size - 1 - j) for j in range(size) if not reserved[i][j] and pattern(i, j))
            for i in range(size)
        )
        for pattern in _MASKS
    )
    fixed = [f ^ v for f, v in zip(function_rows, version_rows, strict=True)]
    return _Layout(
        size,
        tuple(fixed),
        tuple(order),
        masks,
        tuple(_transpose(fixed, size)),
        tuple(tuple(_transpose(m, size)) for m in masks),
    )


def _format_cells(size: int) -> list[tuple[int, int]]:
    """(row, column) of format bits 0..14, first copy then second."""
    first = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)]
    first += [(8, 14 - k) for k in range(9, 15)]
    second = [(8, size - 1 - k) for k in range(8)] + [(size - 15 + k, 8) for k in range(8, 15)]
    return first + second


def _blocks(level: int, version: int) -> list[tuple[int, int]]:
    """(data codewords, error correction codewords) of each block."""
    table: Any = consts.ECC
    return [
        (ec.num_data, ec.num_total - ec.num_data)
        for ec in table[version][level]
        for _ in range(ec.num_blocks)
    ]


def _capacity(level: int, version: int) -> int:
    return sum(data for data, _ in _blocks(level, version))


def _fits(length: int, level: int, version: int) -> bool:
    count_bits = 8 if version < 10 else 16
    return 4 + count_bits + 8 * length <= 8 * _capacity(level, version)


def _codewords(data: bytes, level: int, version: int) -> bytes:
    capacity = _capacity(level, version)
    count_bits = 8 if version < 10 else 16
    bits = (0b0100 << count_bits | len(data)) << (8 * len(data)) | int.from_bytes(data, "big")
    used = 4 + count_bits + 8 * len(data)
    room = 8 * capacity - used
    terminator = min(4, room)
    bits <<= terminator
    used += terminator
    pad = -used % 8
    bits <<= pad
    used += pad
    message = bits.to_bytes(used // 8, "big")
    fill = capacity - len(message)
    message += (_PAD * (fill // 2 + 1))[:fill]
    blocks, ecc, at = [], [], 0
    for size, degree in _blocks(level, version):
        block = message[at : at + size]
        at += size
        blocks.append(block)
        ecc.append(_remainder(block, degree))
    out = bytearray()
    for group in (blocks, ecc):
        for k in range(max(len(b) for b in group)):
            out.extend(b[k] for b in group if k < len(b))
    return bytes(out)


_FINDER_LIKE = "1011101"


def _runs(lines: Sequence[int], size: int) -> int:
    """N1: 3 for each run of 5 to 5 + i same-coloured modules in a line, plus i.

    ``same`` marks each module equal to its right neighbour; ``windows`` each start of 5 equal
    modules in a row, so a run of length L has L - 4 of them in a block: the penalty L - 2 is
    the block's length plus 2 per block."""
    edge = (1 << (size - 1)) - 1
    score = 0
    for line in lines:
        same = ~(line ^ (line >> 1)) & edge
        windows = same & (same >> 1) & (same >> 2) & (same >> 3)
        score += windows.bit_count() + 2 * (windows & ~(windows >> 1)).bit_count()
    return score


def _finder_like(text: str) -> int:
    """N3 occurrences: 1:1:3:1:1 with four light modules before or after (the quiet zone
    counts as light); ``text`` holds the lines, each padded with four light modules."""
    count = 0
    at = text.find(_FINDER_LIKE)
    while at != -1:
        count += (text[at - 4 : at] == "0000") + (text[at + 7 : at + 11] == "0000")
        at = text.find(_FINDER_LIKE, at + 1)
    return count


def _penalty(rows: Sequence[int], columns: Sequence[int], size: int) -> int:
    """The standard's penalty score: N1 runs, N2 blocks, N3 finder-like, N4 balance."""
    width = f"0{size}b"
    lines = [format(line, width) for line in (*rows, *columns)]
    score = _runs(rows, size) + _runs(columns, size)
    score += 40 * _finder_like("0000" + "000020000".join(lines) + "0000")
    pair = (1 << (size - 1)) - 1
    for a, b in itertools.pairwise(rows):
        same = ~(a ^ b)
        score += 3 * (same & (same >> 1) & ~(a ^ (a >> 1)) & pair).bit_count()
    dark = sum(row.bit_count() for row in rows)
    total = size * size
    return score + 10 * (abs(dark * 20 - total * 10) // total)  # 10 per whole 5% off 50%


def qr_rows(text: str, *, mask: int | None = None) -> tuple[int, list[int]]:
    """The QR symbol of ``text`` (UTF-8 bytes) without quiet zone: its size, and each row as an
    integer whose most significant of ``size`` bits is the leftmost module (1 = dark)."""
    data = text.encode("utf-8")
    version = next((v for v in range(1, 41) if _fits(len(data), _LEVELS["M"], v)), None)
    if version is None:
        raise ValueError("too much data for a QR Code")
    name = next(n for n in _BOOST if _fits(len(data), _LEVELS[n], version))
    level = _LEVELS[name]
    layout = _layout(version)
    size = layout.size
    rows = [0] * size
    codewords = _codewords(data, level, version)
    bits = format(int.from_bytes(codewords, "big"), f"0{8 * len(codewords)}b")
    for (i, bit), value in zip(layout.order, bits, strict=False):
        if value == "1":
            rows[i] |= bit
    format_cells = _format_cells(size)
    columns = _transpose(rows, size)
    best: tuple[int, list[int]] | None = None
    for number in range(8) if mask is None else (mask,):
        masked = [
            r ^ m ^ f
            for r, m, f in zip(rows, layout.masks[number], layout.fixed_rows, strict=False)
        ]
        masked_columns = [
            c ^ m ^ f
            for c, m, f in zip(
                columns, layout.mask_columns[number], layout.fixed_columns, strict=False
            )
        ]
        info = consts.FORMAT_INFO[level * 8 + number]
        for k, (i, j) in enumerate(format_cells):
            if (info >> (k % 15)) & 1:
                masked[i] |= 1 << (size - 1 - j)
                masked_columns[j] |= 1 << (size - 1 - i)
        score = _penalty(masked, masked_columns, size) if mask is None else 0
        if best is None or score < best[0]:
            best = (score, masked)
    assert best is not None
    return size, best[1]
