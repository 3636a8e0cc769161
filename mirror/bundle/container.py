"""The ZIP container must mean one thing to every reader.

The signature covers manifest.json, which lists every entry's SHA-256 as
`zipfile` reads it: through the central directory. `unzip`, a browser's or a
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
method, flags, CRC and sizes; a stored entry's sizes are equal. No ZIP64, no
multi-disk, no prepended bytes. Then the bytes every reader sees are the bytes
the manifest hashes.
"""

from __future__ import annotations

import struct
import zipfile
from typing import BinaryIO

from mirror.errors import VerificationError

LOCAL = struct.Struct("<IHHHHHIIIHH")
END = struct.Struct("<IHHHHIIH")
LOCAL_SIG, END_SIG, DESC_SIG = 0x04034B50, 0x06054B50, 0x08074B50
DESCRIPTOR_FLAG = 0x08


def _bad(msg: str) -> VerificationError:
    return VerificationError(f"bundle refused: not a plain sequential ZIP ({msg})")


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def check(f: BinaryIO, zf: zipfile.ZipFile) -> None:
    """Refuse (VerificationError) any ZIP in `f` whose local view differs from
    the central view `zf` was built from. Reads only headers: O(entries)."""
    size = f.seek(0, 2)
    if size < END.size:
        raise _bad("too short")
    f.seek(size - END.size)
    sig, disk, cd_disk, n_here, n_all, cd_size, cd_off, comment = END.unpack(f.read(END.size))
    if sig != END_SIG or comment:
        raise _bad("a comment or trailing bytes after the end record")
    if disk or cd_disk or n_here != n_all or 0xFFFF in (n_here, n_all) or 0xFFFFFFFF in (cd_size, cd_off):
        raise _bad("multi-disk or ZIP64 end record")
    if cd_off + cd_size + END.size != size:
        raise _bad("bytes between the central directory and the end record")
    infos = zf.infolist()
    if len(infos) != n_all:
        raise _bad("the end record miscounts the entries")
    pos = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset != pos:
            raise _bad(f"{'a gap' if info.header_offset > pos else 'an overlap'} before {info.filename[:60]!r}")
        f.seek(pos)
        head = f.read(LOCAL.size)
        if len(head) < LOCAL.size:
            raise _bad(f"truncated local header of {info.filename[:60]!r}")
        (sig, _need, flags, method, _time, _date, crc, csize, usize, nlen, elen) = LOCAL.unpack(head)
        name = f.read(nlen)
        what = repr(info.filename[:60])
        if sig != LOCAL_SIG:
            raise _bad(f"no local header for {what}")
        if name != _raw_name(info):
            raise _bad(f"local and central names differ for {what}")
        if method != info.compress_type or flags != info.flag_bits:
            raise _bad(f"local and central method or flags differ for {what}")
        if method == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _bad(f"stored entry {what} has two sizes")
        end = pos + LOCAL.size + nlen + elen + info.compress_size
        if flags & DESCRIPTOR_FLAG:
            if (crc, csize, usize) not in ((0, 0, 0), (info.CRC, info.compress_size, info.file_size)):
                raise _bad(f"local header and central record disagree for {what}")
            f.seek(end)
            desc = f.read(16)
            if desc[:4] == struct.pack("<I", DESC_SIG):
                desc, length = desc[4:16], 16
            else:
                desc, length = desc[:12], 12
            if len(desc) < 12 or struct.unpack("<III", desc) != (info.CRC, info.compress_size, info.file_size):
                raise _bad(f"the data descriptor of {what} disagrees with its central record")
            end += length
        elif (crc, csize, usize) != (info.CRC, info.compress_size, info.file_size):
            raise _bad(f"local header and central record disagree for {what}")
        pos = end
    if pos != cd_off:
        raise _bad("bytes between the last entry and the central directory")
