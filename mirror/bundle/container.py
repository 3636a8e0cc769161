"""The ZIP container must mean one thing to every reader.

The signature covers manifest.json, which lists every entry's SHA-256 as
we read it: through the central directory. `unzip`, a browser's or a
file manager's ZIP reader may instead walk the local headers. If the two
disagree (a central size shorter than the data, forged bytes after it, a
local/central method mismatch, a data descriptor that lies, entries that
overlap, bytes between or after them), a re-encrypted signed bundle can show
a forged page on the documented no-tool path while `inspect --trust` says
"signed by trusted key".

So every bundle, signed or not, must be a plain sequential ZIP, which is what
our writer produces and what `zip -r` produces: local headers from offset 0,
each followed by exactly its data (and, if flagged, a data descriptor that
repeats the central CRC and sizes), each next one starting where the last
ended, then the central directory, then the end record with no comment and
nothing after it. Every local header agrees with its central record on name,
method, flags, CRC and sizes; a stored entry's sizes are equal. No
multi-disk, no prepended bytes. Then the bytes every reader sees are the bytes
the manifest hashes.

ZIP64 (more than 65,534 entries, or sizes and offsets of 4 GiB or more) is
read just as strictly, so that no reader can take a ZIP64 value where another
takes the 32-bit one: the ZIP64 end record (no extensible data) and its
locator sit between the central directory and the end record, the locator
points at that record, and each end-record field is either its ZIP64 value or
the sentinel; a 32-bit field holds its sentinel exactly when its value is in
the entry's ZIP64 extra field, which holds those values and nothing else.

The central directory is parsed once, here, into a compact `Directory`, and
every entry is read through it (`zipread`): what was checked is what is read.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from mirror.bundle.nameindex import NameIndex
from mirror.errors import VerificationError

LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")
END64 = struct.Struct("<IQHHIIQQQQ")
LOCATOR64 = struct.Struct("<IIQI")
LOCAL_SIG, CENTRAL_SIG, END_SIG, DESC_SIG = 0x04034B50, 0x02014B50, 0x06054B50, 0x08074B50
END64_SIG, LOCATOR64_SIG = 0x06064B50, 0x07064B50
DESCRIPTOR_FLAG, UTF8_FLAG = 0x08, 0x800
STORED, DEFLATED = 0, 8
FULL16, FULL32 = 0xFFFF, 0xFFFFFFFF
EXTRA64_TAG = 0x0001


def _bad(msg: str) -> VerificationError:
    return VerificationError(f"bundle refused: not a plain sequential ZIP ({msg})")


@dataclass(frozen=True)
class End:
    """What the end record(s) say: read and checked before anything else."""

    entries: int
    cd_offset: int
    cd_size: int
    size: int  # of the whole file
    zip64: bool


def _read_at(f: BinaryIO, pos: int, n: int) -> bytes:
    f.seek(pos)
    return f.read(n)


def end_record(f: BinaryIO) -> End:
    """The end of the central directory, refused unless it is exactly one
    end record (after a ZIP64 end record and locator, if any) at the very end
    of the file, pointing at a central directory that ends right before it.
    Reads only the last 64 KiB: the entry count is known before any work."""
    size = f.seek(0, 2)
    tail = _read_at(f, max(0, size - END.size - FULL16), END.size + FULL16)
    if struct.pack("<I", END_SIG) not in tail:  # what zipfile looks for
        raise VerificationError("bundle refused: not a valid ZIP payload (no end of central directory)")
    if size < END.size:
        raise _bad("too short")
    sig, disk, cd_disk, n_here, n_all, cd_size, cd_off, comment = END.unpack(_read_at(f, size - END.size, END.size))
    if sig != END_SIG or comment:
        raise _bad("a comment or trailing bytes after the end record")
    if disk or cd_disk or n_here != n_all:
        raise _bad("multi-disk end record")
    at = size - END.size - LOCATOR64.size
    loc = _read_at(f, at, LOCATOR64.size) if at >= 0 else b""
    if len(loc) == LOCATOR64.size and struct.unpack_from("<I", loc)[0] == LOCATOR64_SIG:
        return _end64(f, size, at, loc, (n_all, cd_size, cd_off))
    if FULL16 == n_all or FULL32 in (cd_size, cd_off):
        raise _bad("a ZIP64 value in the end record without a ZIP64 end record")
    if cd_off + cd_size + END.size != size:
        raise _bad("bytes between the central directory and the end record")
    return End(n_all, cd_off, cd_size, size, False)


def _end64(f: BinaryIO, size: int, loc_at: int, loc: bytes, short: tuple[int, int, int]) -> End:
    _sig, disk64, rec_at, disks = LOCATOR64.unpack(loc)
    if disk64 or disks != 1:
        raise _bad("multi-disk ZIP64 locator")
    if rec_at != loc_at - END64.size:
        raise _bad("the ZIP64 locator does not point right before itself")
    rec = _read_at(f, rec_at, END64.size) if rec_at >= 0 else b""
    if len(rec) != END64.size:
        raise _bad("truncated ZIP64 end record")
    sig, rec_size, _made, _need, disk, cd_disk, n_here, n_all, cd_size, cd_off = END64.unpack(rec)
    if sig != END64_SIG or rec_size != END64.size - 12:
        raise _bad("a ZIP64 end record with extensible data, or none where its locator points")
    if disk or cd_disk or n_here != n_all:
        raise _bad("multi-disk ZIP64 end record")
    for value, field, full in zip((n_all, cd_size, cd_off), short, (FULL16, FULL32, FULL32)):
        if field != min(value, full) and field != full:
            raise _bad("the end record and the ZIP64 end record disagree")
    if cd_off + cd_size != rec_at:
        raise _bad("bytes between the central directory and the ZIP64 end record")
    return End(n_all, cd_off, cd_size, size, True)


class Directory:
    """The central directory, compactly: each name as UTF-8 in one buffer
    and a few machine integers per entry (about 110 bytes an entry with the
    index, where a list and dict of names take over 200 and a
    `zipfile.ZipInfo` over 500), so a bundle of 100,000 articles is not held
    as objects."""

    def __init__(self) -> None:
        self._text = bytearray()  # every name, UTF-8, one after another
        self._start = array("Q", [0])  # name i is _text[_start[i]:_start[i + 1]]
        self._index = NameIndex(self.name)
        self.crc, self.csize, self.usize = array("Q"), array("Q"), array("Q")
        self.header_offset, self.data_offset = array("Q"), array("Q")  # data: set by the local check
        self._bits = array("Q")  # flags | method << 16 | made-by system << 32 | mode << 40

    def add(self, name: str, flags: int, method: int, crc: int, csize: int, usize: int, offset: int,
            system: int, mode: int) -> None:
        i = len(self)
        self._text += name.encode()
        self._start.append(len(self._text))
        self._index.add(name, i)  # a name twice keeps the first; verify refuses it anyway
        self.crc.append(crc)
        self.csize.append(csize)
        self.usize.append(usize)
        self.header_offset.append(offset)
        self.data_offset.append(0)
        self._bits.append(flags | method << 16 | (system & 0xFF) << 32 | (mode & 0xFFFF) << 40)

    def __len__(self) -> int:
        return len(self._start) - 1

    def name(self, i: int) -> str:
        return self._text[self._start[i]:self._start[i + 1]].decode()

    @property
    def names(self) -> Iterator[str]:
        """Every entry's name, in the directory's order."""
        return (self.name(i) for i in range(len(self)))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._index.get(name) is not None

    def find(self, name: str) -> int | None:
        """The entry called `name`, or None."""
        return self._index.get(name)

    def index(self, name: str) -> int:
        """The entry called `name` (KeyError if none)."""
        i = self._index.get(name)
        if i is None:
            raise KeyError(name)
        return i

    def flags(self, i: int) -> int:
        return self._bits[i] & 0xFFFF

    def method(self, i: int) -> int:
        return self._bits[i] >> 16 & 0xFFFF

    def system(self, i: int) -> int:
        """Who made the entry (3: Unix, whose mode is then meaningful)."""
        return self._bits[i] >> 32 & 0xFF

    def mode(self, i: int) -> int:
        """The Unix file mode (the high half of the external attributes)."""
        return self._bits[i] >> 40 & 0xFFFF


def _extras(data: bytes, what: str) -> dict[int, bytes]:
    """Extra fields by tag; refused unless they fill `data` exactly, each tag once."""
    out: dict[int, bytes] = {}
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise _bad(f"a broken extra field in {what}")
        tag, n = struct.unpack_from("<HH", data, pos)
        if pos + 4 + n > len(data) or tag in out:
            raise _bad(f"a broken or repeated extra field in {what}")
        out[tag] = data[pos + 4:pos + 4 + n]
        pos += 4 + n
    return out


def _widen(values: tuple[int, ...], full: tuple[int, ...], extras: dict[int, bytes], what: str) -> tuple[int, ...]:
    """32-bit fields, the sentinels among them replaced from the ZIP64 extra
    field, which must hold exactly those values."""
    wide = [i for i, (v, f) in enumerate(zip(values, full)) if v == f]
    got = extras.get(EXTRA64_TAG)
    if got is None:
        if wide:
            raise _bad(f"a ZIP64 sentinel without a ZIP64 extra field in {what}")
        return values
    if len(got) != 8 * len(wide) or not wide:
        raise _bad(f"a ZIP64 extra field that does not match its header in {what}")
    out = list(values)
    for k, i in enumerate(wide):
        out[i] = struct.unpack_from("<Q", got, 8 * k)[0]
    return tuple(out)


def _central_records(f: BinaryIO, end: End, into: Directory) -> None:
    """Parse every central record into `into`, strictly: the bytes they take
    must be exactly the central directory's size."""
    f.seek(end.cd_offset)
    pos = end.cd_offset
    for _ in range(end.entries):
        head = f.read(CENTRAL.size)
        if len(head) < CENTRAL.size:
            raise _bad("truncated central directory")
        (sig, made, _need, flags, method, _t, _d, crc, csize, usize, nlen, elen, clen, disk, _ia, ext_attr,
         offset) = CENTRAL.unpack(head)
        if sig != CENTRAL_SIG:
            raise _bad("a broken central directory")
        name, extra = f.read(nlen), f.read(elen)
        f.seek(clen, 1)
        what = repr(name[:60])
        if len(name) < nlen or len(extra) < elen:
            raise _bad("truncated central directory")
        if disk == FULL16:
            raise _bad(f"a ZIP64 disk number in {what}")
        if disk:
            raise _bad(f"multi-disk entry {what}")
        usize, csize, offset = _widen((usize, csize, offset), (FULL32,) * 3, _extras(extra, what), what)
        pos += CENTRAL.size + nlen + elen + clen
        into.add(_decode_name(name, flags), flags, method, crc, csize, usize, offset, made >> 8, ext_attr >> 16)
    if pos != end.cd_offset + end.cd_size:
        raise _bad("the central directory's size differs from its records'")


def _name_codec(flags: int) -> str:
    """As every ZIP reader reads a name: UTF-8 if flagged (bit 11), else CP437."""
    return "utf-8" if flags & UTF8_FLAG else "cp437"


def _decode_name(raw: bytes, flags: int) -> str:
    try:
        return raw.decode(_name_codec(flags))
    except UnicodeDecodeError:
        raise _bad(f"an entry name flagged UTF-8 that is not: {raw[:60]!r}") from None


def directory(f: BinaryIO, end: End | None = None) -> Directory:
    """The checked central directory of the ZIP in `f`, refused
    (VerificationError) unless its local view is the same: every local header
    matches its record and the entries follow each other from offset 0 to the
    central directory. Reads only headers: O(entries)."""
    end = end or end_record(f)
    d = Directory()
    _central_records(f, end, d)
    pos = 0
    offsets = d.header_offset
    in_order = all(offsets[i] < offsets[i + 1] for i in range(len(d) - 1))  # as writers write them
    for i in range(len(d)) if in_order else sorted(range(len(d)), key=offsets.__getitem__):
        if d.header_offset[i] != pos:
            raise _bad(f"{'a gap' if d.header_offset[i] > pos else 'an overlap'} before {d.name(i)[:60]!r}")
        pos = _check_local(f, d, i, pos)
    if pos != end.cd_offset:
        raise _bad("bytes between the last entry and the central directory")
    return d


def _check_local(f: BinaryIO, d: Directory, i: int, pos: int) -> int:
    """Check one local header (and descriptor) against its central record,
    note where its data starts, and return where the next entry must start."""
    what = repr(d.name(i)[:60])
    f.seek(pos)
    head = f.read(LOCAL.size)
    if len(head) < LOCAL.size:
        raise _bad(f"truncated local header of {what}")
    (sig, _need, flags, method, _time, _date, crc, csize, usize, nlen, elen) = LOCAL.unpack(head)
    name, extra = f.read(nlen), f.read(elen)
    if sig != LOCAL_SIG:
        raise _bad(f"no local header for {what}")
    if len(name) < nlen or len(extra) < elen:
        raise _bad(f"truncated local header of {what}")
    if name != d.name(i).encode(_name_codec(d.flags(i))):
        raise _bad(f"local and central names differ for {what}")
    if method != d.method(i) or flags != d.flags(i):
        raise _bad(f"local and central method or flags differ for {what}")
    central = (d.crc[i], d.csize[i], d.usize[i])
    if method == STORED and d.csize[i] != d.usize[i]:
        raise _bad(f"stored entry {what} has two sizes")
    extras = _extras(extra, what)
    wide = EXTRA64_TAG in extras
    if wide and (usize, csize) != (FULL32, FULL32):  # the local ZIP64 field holds both sizes (4.5.3)
        raise _bad(f"a ZIP64 extra field that does not match its header in {what}")
    usize, csize = _widen((usize, csize), (FULL32, FULL32), extras, what)
    d.data_offset[i] = pos + LOCAL.size + nlen + elen
    end: int = d.data_offset[i] + d.csize[i]
    if flags & DESCRIPTOR_FLAG:
        if (crc, csize, usize) not in ((0, 0, 0), central):
            raise _bad(f"local header and central record disagree for {what}")
        body = struct.Struct("<IQQ" if wide else "<III")
        f.seek(end)
        desc = f.read(body.size + 4)
        if desc[:4] == struct.pack("<I", DESC_SIG):
            desc, length = desc[4:], body.size + 4
        else:
            desc, length = desc[:body.size], body.size
        if len(desc) < body.size or body.unpack(desc[:body.size]) != central:
            raise _bad(f"the data descriptor of {what} disagrees with its central record")
        end += length
    elif (crc, csize, usize) != central:
        raise _bad(f"local header and central record disagree for {what}")
    return end
