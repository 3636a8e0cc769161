"""Buffered reading from any binary file object, seekable or not (pipes, sockets).

The header and the armor are read line by line from a small look-ahead buffer;
once the header is parsed, `readinto` drains what is left in that buffer and then
reads straight from the underlying file into the caller's buffer, so the payload
is never copied through an intermediate buffer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

FILL = 64 * 1024


class Readable(Protocol):
    """What age reads from: any binary file object (`readinto` is used when it has one)."""

    def read(self, n: int, /) -> bytes: ...


class Writable(Protocol):
    """What age writes to: any binary file object."""

    def write(self, data: bytes | memoryview, /) -> object: ...


class Source:
    __slots__ = ("_f", "_buf", "_pos", "_eof", "_readinto")

    def __init__(self, f: Readable):
        self._f = f
        self._buf = b""
        self._pos = 0
        self._eof = False
        self._readinto: Callable[[memoryview], int | None] | None = getattr(f, "readinto", None)

    def _more(self, n: int = FILL) -> bool:
        if self._eof:
            return False
        data = self._f.read(n)
        if not data:
            self._eof = True
            return False
        self._buf = self._buf[self._pos :] + bytes(data)
        self._pos = 0
        return True

    def available(self) -> int:
        return len(self._buf) - self._pos

    def peek(self, n: int) -> bytes:
        """Up to `n` bytes without consuming them (fewer only at EOF)."""
        while self.available() < n and self._more(max(FILL, n - self.available())):
            pass
        return self._buf[self._pos : self._pos + n]

    def fill(self, n: int = FILL) -> bytes:
        """Whatever is buffered, reading more if less than `n` is (never consumes)."""
        if self.available() < n:
            self._more(max(FILL, n))
        return self._buf[self._pos :]

    def skip(self, n: int) -> None:
        self._pos += n

    def readline(self, limit: int) -> bytes | None:
        """One line including its LF; at EOF the unterminated rest (b"" when
        nothing is left). None when no LF occurs within `limit` bytes."""
        while True:
            i = self._buf.find(b"\n", self._pos, self._pos + limit)
            if i >= 0:
                line = self._buf[self._pos : i + 1]
                self._pos = i + 1
                return line
            if self.available() >= limit:
                return None
            if not self._more():
                line = self._buf[self._pos :]
                self._pos = len(self._buf)
                return line

    def read(self, n: int) -> bytes:
        """Exactly `n` bytes, fewer only at EOF."""
        self.peek(n)
        out = self._buf[self._pos : self._pos + n]
        self._pos += len(out)
        return out

    def readinto(self, mv: memoryview) -> int:
        """Fill `mv` completely, or up to EOF; returns the byte count."""
        want = len(mv)
        got = 0
        if self._pos < len(self._buf):
            k = min(want, len(self._buf) - self._pos)
            mv[:k] = self._buf[self._pos : self._pos + k]
            self._pos += k
            got = k
            if self._pos == len(self._buf):
                self._buf, self._pos = b"", 0
        if got == want or self._eof:
            return got
        readinto = self._readinto
        while got < want:
            n: int | None
            if readinto is not None:
                n = readinto(mv[got:])
            else:
                data = self._f.read(want - got)
                n = len(data)
                mv[got : got + n] = data
            if not n:
                self._eof = True
                break
            got += n
        return got
