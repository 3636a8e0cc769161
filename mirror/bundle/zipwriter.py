"""A deterministic ZIP writer that yields its bytes as a stream.

`zipfile` needs a seekable file and leaves choices (attributes, timestamps,
compressor strategy) to the caller's environment. This writer fixes every
field, so the same entries always give the same bytes, and it produces the
archive as an iterator of chunks, so it can feed the encryptor directly: no
plaintext file is ever written to the destination medium.

Each entry's bytes are in memory when it is written (bundle entries are
small JSON/HTML files; pages with inline images are bounded by the archive's
image caps), or, for one made in pieces (`entry_from`: the index, the manifest), its
compressed body, so CRC and sizes are known up front: no data descriptors.
The central directory is kept deflated until `finish()` writes it.

ZIP64 (APPNOTE 4.5) only where a value does not fit, as `zip -r` and
`zipfile` do: an entry of 4 GiB or more, or one starting at or past 4 GiB,
carries a ZIP64 extra field with just those values; more than 65,535 entries
or a central directory at or past 4 GiB adds the ZIP64 end record and its
locator. A bundle that needs none of it is a plain ZIP, byte for byte what
this writer wrote before it knew ZIP64.
"""

from __future__ import annotations

import struct
import zlib
from typing import Callable, Iterable, Iterator

from mirror.bundle.deflated import Deflated, Pieces, Spill

DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the earliest a ZIP can say
DOS_TIME = 0
UNIX_FILE = 0o100644 << 16
MADE_BY = (3 << 8) | 20  # Unix, spec 2.0
NEEDED = 20
NEEDED_64 = 45  # spec 4.5: ZIP64
FULL32, FULL16 = 0xFFFFFFFF, 0xFFFF  # also the "see the ZIP64 record" sentinels
STORED, DEFLATED = 0, 8
LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")
END64 = struct.Struct("<IQHHIIQQQQ")
LOCATOR64 = struct.Struct("<IIQI")
EXTRA64_TAG = 0x0001


def zip64_extra(values: Iterable[int]) -> bytes:
    """The ZIP64 extended information extra field holding `values` (in the
    spec's order: uncompressed size, compressed size, local header offset)."""
    vals = list(values)
    if not vals:
        return b""
    return struct.pack(f"<HH{len(vals)}Q", EXTRA64_TAG, 8 * len(vals), *vals)


def _central_record(name: bytes, method: int, crc: int, csize: int, usize: int, offset: int) -> bytes:
    """An entry's central directory record, known as soon as its local
    header is: the writer keeps these bytes (deflated: `Deflated`), not an
    object per entry, so a bundle of 335,000 entries does not hold 200 MiB."""
    extra = zip64_extra(v for v in (usize, csize, offset) if v >= FULL32)
    need = NEEDED_64 if extra else NEEDED
    made = (MADE_BY & 0xFF00) | need if extra else MADE_BY
    return CENTRAL.pack(0x02014B50, made, need, 0, method, DOS_TIME, DOS_DATE, crc,
                        min(csize, FULL32), min(usize, FULL32), len(name), len(extra), 0, 0, 0,
                        UNIX_FILE, min(offset, FULL32)) + name + extra


def _central_names(central: bytes | bytearray) -> Iterator[bytes]:
    """The entry names in a run of central records."""
    at = 0
    while at < len(central):
        fields = CENTRAL.unpack_from(central, at)
        name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
        start = at + CENTRAL.size
        yield bytes(central[start:start + name_len])
        at = start + name_len + extra_len + comment_len


def _local_is_64(csize: int, usize: int) -> bool:
    return csize >= FULL32 or usize >= FULL32


def _central_len(name_len: int, usize: int, csize: int, offset: int) -> int:
    n = sum(v >= FULL32 for v in (usize, csize, offset))
    return CENTRAL.size + name_len + (4 + 8 * n if n else 0)


def _needs_end64(count: int, cd_offset: int, cd_size: int) -> bool:
    """A value the end record cannot hold, or that would read as its sentinel."""
    return count >= FULL16 or cd_offset >= FULL32 or cd_size >= FULL32


def deflate(data: bytes, huffman_only: bool = False) -> bytes:
    """Raw deflate. Huffman-only is 4x faster on base64 image data and
    compresses it as well (it has no repeats to find, only 6-bit symbols)."""
    c = _compressor(huffman_only)
    return c.compress(data) + c.flush()


def _compressor(huffman_only: bool = False) -> "zlib._Compress":
    strategy = zlib.Z_HUFFMAN_ONLY if huffman_only else zlib.Z_DEFAULT_STRATEGY
    return zlib.compressobj(6, zlib.DEFLATED, -15, 8, strategy)


class ZipWriter:
    """Call `entry()` for each file (in the order you want), then `finish()`.
    Both return chunks to write; `offset` is the bytes produced so far."""

    def __init__(self, zip64_end: bool = False, spill: Spill | None = None) -> None:
        """`zip64_end`: write the ZIP64 end records even if nothing needs them.
        `spill`: where what is kept until the end goes (`deflated.Pieces`)."""
        self.offset = 0
        self._spill = spill
        self._central = Deflated(6, spill)  # the central records so far (~25 bytes an entry: names share prefixes)
        self._count = 0
        self._last = b""  # while names come in ascending order, a repeat is one not above the last
        self._names: set[bytes] | None = None  # every name so far, once one came out of order
        self._zip64_end = zip64_end
        self._force_end64 = zip64_end  # also set by padding_for when its own bytes tip the balance

    def _end_len(self, count: int, cd_offset: int, cd_size: int) -> int:
        big = self._force_end64 or _needs_end64(count, cd_offset, cd_size)
        return END.size + (END64.size + LOCATOR64.size if big else 0)

    def _refuse_repeat(self, name: bytes) -> None:
        """A bundle writes its entries in name order, so the names seen need
        not be kept (a set of 300,000 names costs ~30 MiB): only the last.
        The first name out of order makes the set, from the central records."""
        if self._names is None:
            if name > self._last or not self._count:
                self._last = name
                return
            self._names = set(_central_names(b"".join(self._central.blocks())))
        if name in self._names:
            raise ValueError(f"duplicate zip entry {name!r}")
        self._names.add(name)

    def _local(self, name: bytes, method: int, crc: int, csize: int, usize: int) -> bytes:
        self._refuse_repeat(name)
        self._central.add(_central_record(name, method, crc, csize, usize, self.offset))
        self._count += 1
        stored = csize
        if _local_is_64(csize, usize):  # both sizes, in the extra field only (APPNOTE 4.5.3)
            extra, need, csize, usize = zip64_extra((usize, csize)), NEEDED_64, FULL32, FULL32
        else:
            extra, need = b"", NEEDED
        head = LOCAL.pack(0x04034B50, need, 0, method, DOS_TIME, DOS_DATE, crc, csize, usize,
                          len(name), len(extra)) + name + extra
        self.offset += len(head) + stored
        return head

    def entry_from(self, name: str, chunks: Callable[[], Iterable[bytes]]) -> Iterator[bytes]:
        """A deflated entry whose bytes come in pieces (`chunks()` makes them,
        each time anew): only its compressed body is held, the same bytes
        `entry(name, b"".join(chunks()), True)` writes. Incompressible
        bytes are stored, read a second time."""
        crc, size = 0, 0
        c = _compressor()
        body = Pieces(self._spill)
        try:
            for piece in chunks():
                crc = zlib.crc32(piece, crc)
                size += len(piece)
                if out := c.compress(piece):
                    body.append(out)
            body.append(c.flush())
            if body.size < size:
                yield self._local(name.encode("ascii"), DEFLATED, crc, body.size, size)
                yield from body
                return
        finally:
            body.close()
        yield self._local(name.encode("ascii"), STORED, crc, size, size)
        yield from chunks()

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

    def total_after(self, stored: tuple[tuple[str, int], ...] = ()) -> int:
        """The whole archive's size if stored entries `stored` (name, size)
        are written next and then `finish()`."""
        offset, cd_size = self.offset, self._central.size
        for name, size in stored:
            nlen = len(name.encode("ascii"))
            cd_size += _central_len(nlen, size, size, offset)
            offset += LOCAL.size + nlen + (20 if _local_is_64(size, size) else 0) + size
        return offset + cd_size + self._end_len(self._count + len(stored), offset, cd_size)

    def padding_for(self, name: str, rounded: Callable[[int], int]) -> int:
        """The size of a last stored entry `name` that brings the whole
        archive to `rounded(size without its bytes)`. Its own bytes can switch
        ZIP64 records on (their size counts then), and `rounded` is monotone,
        so a size that switches them on may round to one that switches them
        off again: then the ZIP64 end records are written anyway (allowed,
        and harmless) and the size is found with them."""
        for force in (self._zip64_end, True):
            self._force_end64 = force
            pad = 0
            for _ in range(4):
                unpadded = self.total_after(((name, pad),)) - pad
                want = rounded(unpadded) - unpadded
                if want == pad:
                    return pad
                if want < pad:
                    break
                pad = want
        raise RuntimeError("no padding size rounds this archive")

    def finish(self) -> Iterator[bytes]:
        start = self.offset
        central, self._central = self._central, Deflated()
        try:
            for block in central.blocks():
                self.offset += len(block)
                yield block
        finally:
            central.close()
        count, size = self._count, self.offset - start
        if self._end_len(count, start, size) > END.size:
            at = self.offset
            rec64 = END64.pack(0x06064B50, END64.size - 12, MADE_BY & 0xFF00 | NEEDED_64, NEEDED_64, 0, 0,
                               count, count, size, start)
            rec64 += LOCATOR64.pack(0x07064B50, 0, at, 1)
            self.offset += len(rec64)
            yield rec64
        tail = END.pack(0x06054B50, 0, 0, min(count, FULL16), min(count, FULL16), min(size, FULL32),
                        min(start, FULL32), 0)
        self.offset += len(tail)
        yield tail
