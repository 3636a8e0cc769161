"""A pipe-like byte source for the age tests: unseekable, short reads."""

import io


class Pipe(io.RawIOBase):
    """Unseekable, and every read returns at most `step` bytes."""

    def __init__(self, data: bytes, step: int = 7000):
        self._data, self._pos, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self._step, len(self._data) - self._pos)
        b[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n
