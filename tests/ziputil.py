"""A raw ZIP writer for hostile-bundle tests and the fuzzer: every header
field can be made to lie, so the local and central views can be told apart."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")


@dataclass
class Raw:
    name: str
    data: bytes  # what follows the local header (already compressed if method 8)
    method: int = 0
    crc: int | None = None  # of the uncompressed bytes; computed if None
    usize: int | None = None
    local: dict = field(default_factory=dict)  # overrides: method, flags, crc, csize, usize, name
    central: dict = field(default_factory=dict)  # same, plus offset
    flags: int = 0
    descriptor: bytes = b""  # written after the data
    after: bytes = b""  # written after the entry (a gap)


def raw_entries(plain: bytes) -> list[Raw]:
    """A ZIP's entries as Raw records, bytes as stored (compressed)."""
    zf = zipfile.ZipFile(io.BytesIO(plain))
    out = []
    for i in zf.infolist():
        start = i.header_offset + LOCAL.size + len(i.filename) + len(i.extra)
        out.append(Raw(i.filename, plain[start:start + i.compress_size], i.compress_type, i.CRC, i.file_size))
    return out


def stored(name: str, data: bytes) -> Raw:
    return Raw(name, data, 0)


def deflated(name: str, data: bytes) -> Raw:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Raw(name, c.compress(data) + c.flush(), 8, zlib.crc32(data), len(data))


def write(entries: list[Raw], tail: bytes = b"", comment: bytes = b"") -> bytes:
    out = bytearray()
    central = bytearray()
    for e in entries:
        crc = e.crc if e.crc is not None else zlib.crc32(e.data)
        usize = e.usize if e.usize is not None else len(e.data)
        base = {"method": e.method, "flags": e.flags, "crc": crc, "csize": len(e.data), "usize": usize,
                "name": e.name.encode()}
        loc, cen = {**base, **e.local}, {**base, "offset": len(out), **e.central}
        out += LOCAL.pack(0x04034B50, 20, loc["flags"], loc["method"], 0, 33, loc["crc"], loc["csize"],
                          loc["usize"], len(loc["name"]), 0) + loc["name"]
        out += e.data + e.descriptor + e.after
        central += CENTRAL.pack(0x02014B50, 0x314, 20, cen["flags"], cen["method"], 0, 33, cen["crc"],
                                cen["csize"], cen["usize"], len(cen["name"]), 0, 0, 0, 0, 0o100644 << 16,
                                cen["offset"]) + cen["name"]
    start = len(out)
    out += central
    out += END.pack(0x06054B50, 0, 0, len(entries), len(entries), len(central), start, len(comment)) + comment
    return bytes(out + tail)
