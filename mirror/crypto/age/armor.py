"""ASCII armor: strict PEM with the label `AGE ENCRYPTED FILE`.

Writing: BEGIN line, padded standard base64 of the whole binary file at 64
columns (last line 1-64 characters), END line, LF endings, nothing else.

Reading (`shared/spec/age-v1.md` §9.2, the testkit's `armor_*` vectors): up to
1,024 bytes of whitespace-only lines before the BEGIN line; LF or CRLF line
endings; data lines of 1-64 characters, strict canonical padded base64, every
line but the last exactly 64 characters; no empty lines, headers or checksum
lines; after the END line only whitespace, fewer than 1,024 bytes, final LF
optional. Anything else is `ArmorError`. Decoding streams: memory is bounded by
one read block whatever the file size.
"""

from __future__ import annotations

import binascii

from .errors import ArmorError
from .source import Source, Writable

BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
END = b"-----END AGE ENCRYPTED FILE-----"
COLUMNS = 64
LINE_BYTES = 48
MAX_OUTSIDE = 1024
WHITESPACE = b" \t\r\n\v\f"
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BLOCK_LINES = 1024  # fast path: decode up to this many full lines at once


def looks_armored(head: bytes) -> bool:
    """Whether input starting with `head` (its first ~1 KiB) should be read as
    armor rather than as a binary age file. Binary age files start with the
    version line; anything that starts like PEM, or carries a BEGIN line near
    the start (or is all whitespace), is treated as armor so that its defects
    are reported as armor errors."""
    if head.startswith(b"age-encryption.org/"):
        return False
    rest = head.lstrip(WHITESPACE)
    return (bool(head) and not rest) or rest.startswith(b"-----") or b"-----BEGIN" in head


class ArmorWriter:
    """Wrap a binary file object; `write` binary age data, then `close` to emit
    the END line (the underlying file is not closed)."""

    def __init__(self, dst: Writable):
        self._dst = dst
        self._pending = b""
        self._started = False

    def _emit(self, data: bytes | memoryview) -> None:
        enc = binascii.b2a_base64(data, newline=False)
        self._dst.write(
            b"".join([enc[i : i + COLUMNS] + b"\n" for i in range(0, len(enc), COLUMNS)])
        )

    def write(self, data: bytes | memoryview) -> int:
        if not self._started:
            self._dst.write(BEGIN + b"\n")
            self._started = True
        n = len(data)
        if self._pending:
            data = self._pending + bytes(data)
        cut = len(data) - len(data) % LINE_BYTES
        if cut:
            self._emit(data[:cut])
        self._pending = bytes(data[cut:])
        return n

    def close(self) -> None:
        if not self._started:
            self._dst.write(BEGIN + b"\n")
            self._started = True
        if self._pending:
            self._emit(self._pending)
            self._pending = b""
        self._dst.write(END + b"\n")


def _decode_line(line: bytes) -> bytes:
    if not line or len(line) > COLUMNS or len(line) % 4:
        raise ArmorError("invalid armor line")
    try:
        data = binascii.a2b_base64(line, strict_mode=True)
    except binascii.Error:
        raise ArmorError("invalid base64 in armor") from None
    if binascii.b2a_base64(data, newline=False) != line:
        raise ArmorError("non-canonical base64 in armor")
    return data


class ArmorReader:
    """A binary file-like view (`read`, `readinto`) of armored text from `src`."""

    def __init__(self, src: Source):
        self._src = src
        self._started = False
        self._done = False
        self._out = b""
        self._slow = 0  # careful lines to read before trying the fast path again

    def _line(self) -> bytes | None:
        """Next line without its LF or CRLF; None at EOF without a line."""
        ln = self._src.readline(COLUMNS + 2)
        if ln is None:
            raise ArmorError("armor line too long")
        if not ln:
            return None
        if ln.endswith(b"\n"):
            ln = ln[:-1]
            if ln.endswith(b"\r"):
                ln = ln[:-1]
        return ln

    def _start(self) -> None:
        src = self._src
        head = src.peek(MAX_OUTSIDE + len(BEGIN) + 2)
        body = head.lstrip(WHITESPACE)
        lead = len(head) - len(body)
        if lead > MAX_OUTSIDE or (lead and head[lead - 1 : lead] != b"\n"):
            raise ArmorError("garbage before the armor")
        src.skip(lead)
        if src.readline(len(BEGIN) + 2) not in (BEGIN + b"\n", BEGIN + b"\r\n"):
            raise ArmorError("invalid armor BEGIN line")
        self._started = True

    def _finish(self) -> None:
        tail = self._src.read(MAX_OUTSIDE)
        if len(tail) >= MAX_OUTSIDE or tail.strip(WHITESPACE):
            raise ArmorError("garbage after the armor")
        self._done = True

    def _fast(self) -> bytes:
        """Decode a run of full 64-column lines (all LF or all CRLF), if one is next."""
        text = self._src.fill(66 * _BLOCK_LINES)
        for eol in (b"\n", b"\r\n"):
            width = COLUMNS + len(eol)
            k = min(len(text) // width, _BLOCK_LINES)
            if k < 2:
                return b""
            k -= 1  # leave the last complete line to the careful path
            block = text[: width * k]
            if block[COLUMNS::width] != eol[:1] * k or block[width - 1 :: width] != b"\n" * k:
                continue
            if block.translate(None, _B64 + eol):
                return b""
            if block.count(b"\n") != k or (eol == b"\r\n" and block.count(b"\r") != k):
                return b""  # a stray line break inside a line
            self._src.skip(width * k)
            return binascii.a2b_base64(block)
        return b""

    def _next(self) -> None:
        if not self._started:
            self._start()
        if self._slow:
            self._slow -= 1
        else:
            data = self._fast()
            if data:
                self._out = data
                return
            self._slow = 64
        ln = self._line()
        if ln is None:
            raise ArmorError("armor has no END line")
        if ln == END:
            self._finish()
            return
        data = _decode_line(ln)
        if len(data) < LINE_BYTES:
            if self._line() != END:
                raise ArmorError("short armor line not followed by the END line")
            self._finish()
        self._out = data

    def readinto(self, b: bytearray | memoryview) -> int:
        mv = memoryview(b).cast("B")
        got = 0
        while got < len(mv):
            if not self._out:
                if self._done:
                    break
                self._next()
                continue
            k = min(len(mv) - got, len(self._out))
            mv[got : got + k] = self._out[:k]
            self._out = self._out[k:]
            got += k
        return got

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            n = 1 << 62
        buf = bytearray(min(n, 1 << 20))
        k = self.readinto(buf)
        return bytes(buf[:k])
