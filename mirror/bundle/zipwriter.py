"""A deterministic ZIP writer that yields its bytes as a stream.

`zipfile` needs a seekable file and leaves choices (attributes, timestamps,
compressor strategy) to the caller's environment. This writer fixes every
field, so the same entries always give the same bytes, and it produces the
archive as an iterator of chunks, so it can feed the encryptor directly: no
plaintext file is ever written to the destination medium.

Each entry's bytes are in memory when it is written (bundle entries are
small JSON/HTML files; pages with inline images are bounded by the archive's
image caps), so CRC and sizes are known up front: no data descriptors, no
extra fields, no ZIP64 (a bundle is capped below 4 GiB).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Iterator

from mirror.errors import UsageError

DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the earliest a ZIP can say
DOS_TIME = 0
UNIX_FILE = 0o100644 << 16
MADE_BY = (3 << 8) | 20  # Unix, spec 2.0
NEEDED = 20
LIMIT = 0xFFFFFFFF
STORED, DEFLATED = 0, 8
LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")


@dataclass(frozen=True)
class _Written:
    name: bytes
    method: int
    crc: int
    csize: int
    usize: int
    offset: int


def deflate(data: bytes, huffman_only: bool = False) -> bytes:
    """Raw deflate. Huffman-only is 4x faster on base64 image data and
    compresses it as well (it has no repeats to find, only 6-bit symbols)."""
    strategy = zlib.Z_HUFFMAN_ONLY if huffman_only else zlib.Z_DEFAULT_STRATEGY
    c = zlib.compressobj(6, zlib.DEFLATED, -15, 8, strategy)
    return c.compress(data) + c.flush()


class ZipWriter:
    """Call `entry()` for each file (in the order you want), then `finish()`.
    Both return chunks to write; `offset` is the bytes produced so far."""

    def __init__(self) -> None:
        self.offset = 0
        self._entries: list[_Written] = []
        self._names: set[bytes] = set()

    def _local(self, name: bytes, method: int, crc: int, csize: int, usize: int) -> bytes:
        if name in self._names:
            raise ValueError(f"duplicate zip entry {name!r}")
        self._names.add(name)
        if self.offset + csize + 30 + len(name) > LIMIT or usize > LIMIT:
            raise UsageError("bundle would exceed 4 GiB; pack fewer articles")
        self._entries.append(_Written(name, method, crc, csize, usize, self.offset))
        head = LOCAL.pack(0x04034B50, NEEDED, 0, method, DOS_TIME, DOS_DATE, crc, csize, usize,
                          len(name), 0) + name
        self.offset += len(head) + csize
        return head

    def entry(self, name: str, data: bytes, compress: bool, huffman_only: bool = False) -> Iterator[bytes]:
        raw = name.encode("ascii")
        body = deflate(data, huffman_only) if compress else data
        method = DEFLATED if compress else STORED
        if compress and len(body) >= len(data):  # incompressible: store it
            body, method = data, STORED
        yield self._local(raw, method, zlib.crc32(data), len(body), len(data))
        yield body

    def zeros(self, name: str, size: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        """A stored entry of `size` zero bytes, produced without holding it."""
        block = bytes(min(size, chunk))
        crc = 0
        left = size
        while left:
            n = min(left, len(block))
            crc = zlib.crc32(block[:n] if n < len(block) else block, crc)
            left -= n
        yield self._local(name.encode("ascii"), STORED, crc, size, size)
        left = size
        while left:
            n = min(left, len(block))
            yield block[:n] if n < len(block) else block
            left -= n

    def central_size(self, extra_names: tuple[str, ...] = ()) -> int:
        """Bytes `finish()` will add, if entries named `extra_names` come first."""
        names = [e.name for e in self._entries] + [n.encode("ascii") for n in extra_names]
        return sum(CENTRAL.size + len(n) for n in names) + END.size

    def finish(self) -> Iterator[bytes]:
        start = self.offset
        for e in self._entries:
            rec = CENTRAL.pack(0x02014B50, MADE_BY, NEEDED, 0, e.method, DOS_TIME, DOS_DATE, e.crc,
                               e.csize, e.usize, len(e.name), 0, 0, 0, 0, UNIX_FILE, e.offset) + e.name
            self.offset += len(rec)
            yield rec
        if len(self._entries) > 0xFFFF or self.offset > LIMIT:
            raise UsageError("bundle has too many entries or bytes for a ZIP; pack fewer articles")
        tail = END.pack(0x06054B50, 0, 0, len(self._entries), len(self._entries),
                        self.offset - start, start, 0)
        self.offset += len(tail)
        yield tail
