"""QR Code symbols for ticket codes: byte mode, error correction M or better, versions 1–40.

The symbols are ISO/IEC 18004 Model 2 QR Codes with segno's function patterns, format and
version information (the tests compare them, and decode every symbol with zxing-cpp), at a
fraction of segno's cost: most of segno's time goes to choosing the mask. What does not
depend on the data is computed once per version: the function patterns, each mask, and
where each data bit lands. A symbol is held as one integer of all its rows (and one of all
its columns), the lines separated by light bits (``_pack``); the data bits are spread into both
with one ``itemgetter``, and the mask is chosen by the standard's penalty score (N1–N4),
each rule a few shifts, ands and bit counts over the whole symbol, so the eight candidates
cost a few hundred integer operations instead of a loop per line. The Reed–Solomon remainder
is a big-integer shift-and-xor per codeword. The level is raised above M while the data
still fits the same version, as segno does. The standard's tables (error correction blocks,
alignment pattern positions, format and version information) are segno's.
"""

from __future__ import annotations

import operator
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


SEP = 4  # light modules before, between and after the packed lines (N3's quiet zone)


@dataclass(frozen=True, slots=True)
class _Layout:
    """What a version's symbols share: size, data module order, and the function patterns and
    masks as packed integers (see ``_pack``), by rows and by columns."""

    size: int
    order: tuple[tuple[int, int], ...]  # (row, bit) of each data module, in placement order
    rows_from: Callable[[str], tuple[str, ...]]  # data bits (and a last "0") -> packed rows
    columns_from: Callable[[str], tuple[str, ...]]  # the same, packed by columns
    fixed_rows: int  # dark function modules and version information (7 and up)
    fixed_columns: int
    masks: tuple[tuple[int, int], ...]  # per mask: the data modules it inverts, rows, columns
    pair: int  # bit k set when bits k and k + 1 are modules of the same line
    pair_rows: int  # the same, without the last line (N2 compares each line with the next)


def _pack(lines: Sequence[int], size: int) -> int:
    """Lines of ``size`` bits in one integer: line i at bit ``SEP + i * (size + SEP)``, with
    ``SEP`` zero (light) bits below, between and above them."""
    packed = 0
    for line in reversed(lines):
        packed = (packed << (size + SEP)) | line
    return packed << SEP


def _unpack(packed: int, size: int) -> list[int]:
    stride = size + SEP
    full = (1 << size) - 1
    return [(packed >> (SEP + i * stride)) & full for i in range(size)]


def _getter(positions: dict[int, int], length: int, blank: int) -> Callable[[str], Any]:
    """An itemgetter that spreads a bit string into a packed integer's binary digits:
    ``positions`` maps a packed bit to the index of the string's character it gets."""
    top = length - 1
    return operator.itemgetter(*(positions.get(top - k, blank) for k in range(length)))


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
    function_rows = [
        sum(1 << (size - 1 - j) for j in range(size) if dark[i][j]) for i in range(size)
    ]
    masks = [
        [
            sum(1 << (size - 1 - j) for j in range(size) if not reserved[i][j] and pattern(i, j))
            for i in range(size)
        ]
        for pattern in _MASKS
    ]
    fixed = [f ^ v for f, v in zip(function_rows, version_rows, strict=True)]
    stride = size + SEP
    length = SEP + size * stride
    bits = 8 * _capacity_total(version)  # the modules after them (remainder bits) stay light
    placed = list(enumerate(order))[:bits]
    by_row = {SEP + i * stride + bit.bit_length() - 1: k for k, (i, bit) in placed}
    by_column = {
        SEP + (size - bit.bit_length()) * stride + size - 1 - i: k for k, (i, bit) in placed
    }
    pair = _pack([(1 << (size - 1)) - 1] * size, size)
    return _Layout(
        size=size,
        order=tuple(order),
        rows_from=_getter(by_row, length, bits),
        columns_from=_getter(by_column, length, bits),
        fixed_rows=_pack(fixed, size),
        fixed_columns=_pack(_transpose(fixed, size), size),
        masks=tuple((_pack(m, size), _pack(_transpose(m, size), size)) for m in masks),
        pair=pair,
        pair_rows=pair & ((1 << (SEP + (size - 1) * stride)) - 1),
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


def _capacity_total(version: int) -> int:
    """Data and error correction codewords of a version (the same at every level)."""
    return sum(data + ecc for data, ecc in _blocks(_LEVELS["M"], version))


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


def _runs(packed: int, pair: int) -> int:
    """N1: 3 for each run of 5 to 5 + i same-coloured modules in a line, plus i.

    ``same`` marks each module equal to its neighbour in the same line; ``windows`` each start
    of 5 equal modules in a row, so a run of length L has L - 4 of them in a block: the penalty
    L - 2 is the block's length plus 2 per block."""
    same = ~(packed ^ (packed >> 1)) & pair
    windows = same & (same >> 1) & (same >> 2) & (same >> 3)
    return windows.bit_count() + 2 * (windows & ~(windows >> 1)).bit_count()


def _finder_like(packed: int) -> int:
    """N3 occurrences: 1:1:3:1:1 with four light modules before or after (the quiet zone and
    the ``SEP`` light bits between packed lines count as light)."""
    light = ~packed
    core = (
        packed
        & (light >> 1)
        & (packed >> 2)
        & (packed >> 3)
        & (packed >> 4)
        & (light >> 5)
        & (packed >> 6)
    )
    below = (light << 1) & (light << 2) & (light << 3) & (light << 4)
    above = (light >> 7) & (light >> 8) & (light >> 9) & (light >> 10)
    return (core & below).bit_count() + (core & above).bit_count()


def _packed_penalty(rows: int, columns: int, layout: _Layout) -> int:
    """The standard's penalty score (N1 runs, N2 blocks, N3 finder-like, N4 balance) of a
    symbol packed by rows and by columns, on a few dozen operations on whole symbols."""
    size = layout.size
    score = _runs(rows, layout.pair) + _runs(columns, layout.pair)
    score += 40 * (_finder_like(rows) + _finder_like(columns))
    same = ~(rows ^ (rows >> (size + SEP)))
    score += 3 * (same & (same >> 1) & ~(rows ^ (rows >> 1)) & layout.pair_rows).bit_count()
    total = size * size
    return score + 10 * (abs(rows.bit_count() * 20 - total * 10) // total)  # 10 per 5% off 50%


def _penalty(rows: Sequence[int], columns: Sequence[int], size: int) -> int:
    """The penalty score of a symbol given as rows and columns of ``size`` bits."""
    pair = _pack([(1 << (size - 1)) - 1] * size, size)
    stride = size + SEP
    shape = _Layout(
        size=size,
        order=(),
        rows_from=operator.itemgetter(0),
        columns_from=operator.itemgetter(0),
        fixed_rows=0,
        fixed_columns=0,
        masks=(),
        pair=pair,
        pair_rows=pair & ((1 << (SEP + (size - 1) * stride)) - 1),
    )
    return _packed_penalty(_pack(rows, size), _pack(columns, size), shape)


@cache
def _format_bits(version: int, level: int, mask: int) -> tuple[int, int]:
    """The format information of ``level`` and ``mask`` packed by rows and by columns."""
    size = 17 + 4 * version
    info = consts.FORMAT_INFO[level * 8 + mask]
    rows = [0] * size
    for k, (i, j) in enumerate(_format_cells(size)):
        if (info >> (k % 15)) & 1:
            rows[i] |= 1 << (size - 1 - j)
    return _pack(rows, size), _pack(_transpose(rows, size), size)


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
    codewords = _codewords(data, level, version)
    bits = format(int.from_bytes(codewords, "big"), f"0{8 * len(codewords)}b") + "0"
    rows = int("".join(layout.rows_from(bits)), 2) ^ layout.fixed_rows
    columns = int("".join(layout.columns_from(bits)), 2) ^ layout.fixed_columns
    best: tuple[int, int] | None = None
    for number in range(8) if mask is None else (mask,):
        mask_rows, mask_columns = layout.masks[number]
        format_rows, format_columns = _format_bits(version, level, number)
        masked = rows ^ mask_rows | format_rows
        if mask is None:
            masked_columns = columns ^ mask_columns | format_columns
            score = _packed_penalty(masked, masked_columns, layout)
        else:
            score = 0
        if best is None or score < best[0]:
            best = (score, masked)
    assert best is not None
    return layout.size, _unpack(best[1], layout.size)
