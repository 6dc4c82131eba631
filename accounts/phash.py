"""Perceptual hashes of proof pages, cut into bands so that near-identical pages are found by
an index rather than by reading every page.

A page's perceptual hash is 64 bits (16 hex digits). Two pages whose hashes differ in at
most ``NEAR_BITS`` bits look the same. The hash is cut into ``len(WIDTHS)`` bands; since
there are more bands than ``NEAR_BITS``, two hashes that close have at least one band in
common (pigeonhole), so a look-up of every page sharing a band with ours misses none of
them. The Hamming distance then decides.

A band is stored as ``index << 10 | value`` (a smallint), so that the same value in two
different bands does not count as a shared band. PostgreSQL computes the bands and the
signed 64-bit value from the hex digits itself (generated columns of ``ProofPage``); the
functions below compute the same numbers in Python for the query's side.
"""

from __future__ import annotations

#: hashes this close (in differing bits of 64) are of pages that look the same
NEAR_BITS = 6
#: widths of the bands, from the most significant bit down
WIDTHS = (10, 9, 9, 9, 9, 9, 9)
BITS = 64

assert sum(WIDTHS) == BITS and len(WIDTHS) > NEAR_BITS and max(WIDTHS) <= 10

#: (index, shift, mask) of each band
_LAYOUT = []
_shift = BITS
for _index, _width in enumerate(WIDTHS):
    _shift -= _width
    _LAYOUT.append((_index, _shift, (1 << _width) - 1))
LAYOUT = tuple(_LAYOUT)
del _LAYOUT, _shift, _index, _width

#: what a stored hash looks like (imagehash writes lower-case hex)
HEX_PATTERN = "^[0-9a-f]{16}$"


def unsigned(phash: str) -> int:
    """Return the 64 bits of a hex hash as an unsigned integer."""
    return int(phash, 16)


def signed(phash: str) -> int:
    """Return the 64 bits of a hex hash as PostgreSQL's ``bigint`` holds them."""
    value = unsigned(phash)
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def bands(phash: str) -> list[int]:
    """Return the bands of a hex hash, as the ``phash_bands`` column stores them."""
    value = unsigned(phash)
    return [index << 10 | (value >> shift) & mask for index, shift, mask in LAYOUT]


def distance(a: str, b: str) -> int:
    """Return how many of the 64 bits of two hex hashes differ."""
    return (unsigned(a) ^ unsigned(b)).bit_count()


def is_hash(phash: str) -> bool:
    return len(phash) == 16 and all(c in "0123456789abcdef" for c in phash)


# --- the same numbers in SQL (the generated columns) ---------------------------------------


def _bits_sql(column: str) -> str:
    return f"('x' || {column})::bit(64)::bigint"


def signed_sql(column: str = "phash") -> str:
    """SQL for the signed 64-bit value of hex ``column`` (NULL unless it is a hash)."""
    return f"CASE WHEN {column} ~ '{HEX_PATTERN}' THEN {_bits_sql(column)} END"


def bands_sql(column: str = "phash") -> str:
    """SQL for the bands of hex ``column`` as a smallint array (NULL unless it is a hash)."""
    bits = _bits_sql(column)
    items = ", ".join(
        f"({index << 10} | (({bits} >> {shift}) & {mask}))::smallint"
        for index, shift, mask in LAYOUT
    )
    return f"CASE WHEN {column} ~ '{HEX_PATTERN}' THEN ARRAY[{items}] END"
