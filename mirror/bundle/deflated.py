"""Bytes appended in pieces and kept deflated, read back in blocks: what a
pack gathers per article until the end (the manifest's parts, the ZIP's
central records) costs its compressed size, not its text; and, given a file
to spill to, nothing in memory (`Pieces`)."""

from __future__ import annotations

import zlib
from typing import BinaryIO, Callable, Iterator

Spill = Callable[[], BinaryIO]  # makes the file pieces go to: a sealed unnamed temp file
READ = 1 << 20  # bytes read back from a spill file at a time


class Pieces:
    """Bytes appended in pieces, read back in order any number of times
    (also while more are appended: a reading ends where the bytes ended when
    it began). In memory, or in the file `spill()` makes: a pack of 100,000
    articles then keeps its manifest's parts and central directory (~40 MiB
    deflated) on disk, sealed under a key of the process's, not in memory."""

    def __init__(self, spill: Spill | None = None) -> None:
        self._file = spill() if spill is not None else None
        self._held: list[bytes] = []
        self.size = 0

    def append(self, piece: bytes) -> None:
        if self._file is None:
            self._held.append(piece)
        else:
            self._file.seek(0, 2)
            self._file.write(piece)
        self.size += len(piece)

    def __iter__(self) -> Iterator[bytes]:
        if self._file is None:
            yield from self._held[:]
            return
        pos, end = 0, self.size
        while pos < end:
            self._file.seek(pos)
            got = self._file.read(min(READ, end - pos))
            if not got:
                raise OSError("a temp file lost bytes written to it")
            pos += len(got)
            yield got

    def close(self) -> None:
        self._held = []
        if self._file is not None:
            self._file.close()


class Deflated:
    """One raw deflate stream; `blocks()` inflates a copy, so it can be read
    any number of times while more is added."""

    def __init__(self, level: int = 6, spill: Spill | None = None) -> None:
        self._z = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._packed = Pieces(spill)
        self.size = 0  # the bytes added, not deflated

    def add(self, data: bytes) -> None:
        if piece := self._z.compress(data):
            self._packed.append(piece)
        self.size += len(data)

    def blocks(self) -> Iterator[bytes]:
        """Everything added so far, in order, in blocks."""
        d = zlib.decompressobj(-15)
        last = self._z.copy().flush()
        for piece in self._packed:
            if block := d.decompress(piece):
                yield block
        if block := d.decompress(last):
            yield block
        if rest := d.flush():
            yield rest

    def close(self) -> None:
        self._packed.close()
