"""File-object adapters, so bundles flow through the encryptor in chunks."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, BinaryIO, Iterator

from mirror.errors import VerificationError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer


class IterReader(io.RawIOBase):
    """A readable binary file over an iterator of byte chunks. `readinto`
    fills the whole buffer unless the iterator ends (the age encryptor treats
    a short read as the end of the stream)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._it = iter(chunks)
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: WriteableBuffer) -> int:
        view = memoryview(b).cast("B")
        n = 0
        while n < len(view):
            if not self._left:
                try:
                    self._left = memoryview(next(self._it))
                except StopIteration:
                    break
                continue
            k = min(len(self._left), len(view) - n)
            view[n:n + k] = self._left[:k]
            self._left = self._left[k:]
            n += k
        return n


class CappedWriter(io.RawIOBase):
    """Write-through to `f`, refusing more than `limit` bytes: a decrypting
    bundle may not fill the disk."""

    def __init__(self, f: io.RawIOBase | BinaryIO, limit: int):
        self._f = f
        self.limit = limit
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, b: ReadableBuffer) -> int:
        n = memoryview(b).nbytes
        self.written += n
        if self.written > self.limit:
            raise VerificationError(f"bundle payload is larger than the limit of {self.limit} bytes"
                                    " (bundle.max_payload_bytes)")
        self._f.write(b)
        return n
