"""Padmé padding: round a size up so that it reveals only O(log log n) bits.

Sizes of bundles otherwise fingerprint their contents (one 412,345-byte bundle
is probably the same set of articles as another). Padmé (Nikitin et al., 2019)
keeps the top bits of the size and zeroes the rest; the overhead is at most
about 12%, smaller for large files.
"""

from __future__ import annotations


def padme(length: int) -> int:
    """The padded size for `length` bytes (>= length)."""
    if length < 2:
        return length
    e = length.bit_length() - 1  # floor(log2 L)
    s = e.bit_length()  # floor(log2 E) + 1
    mask = (1 << (e - s)) - 1
    return (length + mask) & ~mask
