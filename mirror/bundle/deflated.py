"""Bytes appended in pieces and kept deflated, read back in blocks: what a
pack gathers per article until the end (the manifest's parts, the ZIP's
central records) costs its compressed size, not its text."""

from __future__ import annotations

import zlib
from typing import Iterator


class Deflated:
    """One raw deflate stream; `blocks()` inflates a copy, so it can be read
    any number of times while more is added."""

    def __init__(self, level: int = 6) -> None:
        self._z = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._packed: list[bytes] = []
        self.size = 0  # the bytes added, not deflated

    def add(self, data: bytes) -> None:
        if piece := self._z.compress(data):
            self._packed.append(piece)
        self.size += len(data)

    def blocks(self) -> Iterator[bytes]:
        """Everything added so far, in order, in blocks."""
        d = zlib.decompressobj(-15)
        for piece in [*self._packed, self._z.copy().flush()]:
            if block := d.decompress(piece):
                yield block
        if rest := d.flush():
            yield rest
