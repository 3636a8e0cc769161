"""Read the entries of a checked ZIP through its compact `Directory`.

Only what our bundles and `zip -r` use: stored and deflated entries. Each
entry's data is read from where the local check found it, inflated in
bounded blocks, and refused unless it is exactly its declared size, its
deflate stream ends exactly at its compressed size and its CRC-32 matches:
a lying header cannot make it inflate more, or less.
"""

from __future__ import annotations

import io
import threading
import zlib
from typing import BinaryIO, Iterator

from mirror.bundle.container import DEFLATED, STORED, Directory
from mirror.errors import VerificationError

BLOCK = 1 << 20


def _damaged(name: str, why: str) -> VerificationError:
    return VerificationError(f"bundle refused: {name}: damaged entry ({why})")


class ZipReader:
    """Entries of the ZIP in `f` by name. One lock around each seek and read,
    so a read-ahead thread and the caller can share the file. It holds
    nothing to close: the file is the caller's."""

    def __init__(self, f: BinaryIO, directory: Directory) -> None:
        self._f = f
        self.directory = directory
        self._lock = threading.Lock()

    def size(self, name: str) -> int:
        return self.directory.usize[self.directory.index(name)]

    def read(self, name: str) -> bytes:
        """The whole entry (the caller has checked that its size is allowed)."""
        return b"".join(self.blocks(name))

    def read_buffer(self, name: str) -> bytearray:
        """The whole entry, filled in place block by block: a 68 MB manifest
        is held once, not also as the list of blocks a join needs."""
        out = bytearray(self.size(name))
        at = 0
        for block in self.blocks(name):  # checked: never more than the declared size
            out[at:at + len(block)] = block
            at += len(block)
        return out

    def blocks(self, name: str) -> Iterator[bytes]:
        """The entry's bytes in blocks of at most 1 MiB, checked as they come."""
        d = self.directory
        i = d.index(name)
        method, pos, left, want, crc = d.method(i), d.data_offset[i], d.csize[i], d.usize[i], 0
        if method not in (STORED, DEFLATED):
            raise _damaged(name, f"compression method {method}")
        inflate = zlib.decompressobj(-15) if method == DEFLATED else None
        got = 0
        while True:
            if inflate is not None and inflate.unconsumed_tail:
                raw = inflate.unconsumed_tail
            elif left:
                with self._lock:
                    self._f.seek(pos)
                    raw = self._f.read(min(left, BLOCK))
                if not raw:
                    raise _damaged(name, "the file ends inside it")
                pos += len(raw)
                left -= len(raw)
            elif inflate is not None and not inflate.eof:
                raw = b""  # what zlib may still hold back
            else:
                break
            try:
                out = inflate.decompress(raw, BLOCK) if inflate is not None else raw
            except zlib.error as e:
                raise _damaged(name, f"bad deflate data: {e}") from None
            got += len(out)
            if got > want:
                raise _damaged(name, "more data than its size")
            if inflate is not None and inflate.eof and (left or inflate.unused_data or inflate.unconsumed_tail):
                raise _damaged(name, "bytes after the end of its deflate stream")
            crc = zlib.crc32(out, crc)
            if not out and not raw:
                break
            if out:
                yield out
        if got != want or (inflate is not None and not inflate.eof):
            raise _damaged(name, "less data than its size")
        if crc != d.crc[i]:
            raise _damaged(name, "bad CRC-32")

    def open(self, name: str) -> BinaryIO:
        """The entry as a readable file, read block by block."""
        return io.BufferedReader(_EntryStream(self.blocks(name)), BLOCK)


class _EntryStream(io.RawIOBase):
    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._rest:
            nxt = next(self._blocks, None)
            if nxt is None:
                return 0
            self._rest = memoryview(nxt)
        n = min(len(b), len(self._rest))
        b[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n
