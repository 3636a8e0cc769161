"""Our ZIP reader: every entry's bytes are exactly what its central record
declares, or the bundle is refused with a one-line reason; memory stays
bounded whatever an entry claims; and it reads what `zipfile` reads."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
import zlib

import pytest
from hypothesis import given, settings, strategies as st

import ziputil
from mirror.bundle import container
from mirror.bundle.zipread import BLOCK, ZipReader
from mirror.errors import VerificationError


def reader(data: bytes) -> ZipReader:
    f = io.BytesIO(data)
    return ZipReader(f, container.directory(f))


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def refused_on_read(entry: ziputil.Raw, needle: str) -> None:
    """The container is consistent (headers agree), so only reading finds it."""
    z = reader(ziputil.write([entry]))
    with pytest.raises(VerificationError, match=f"damaged entry.*{needle}") as e:
        z.read(entry.name)
    assert "\n" not in str(e.value)


def test_a_flipped_byte_in_deflated_data_is_refused():
    text = b"the story as the outlet published it, " * 200
    e = ziputil.deflated("a.json", text)
    e.data = e.data[:40] + bytes([e.data[40] ^ 0x55]) + e.data[41:]
    z = reader(ziputil.write([e]))
    with pytest.raises(VerificationError, match="damaged entry"):
        z.read("a.json")


def test_wrong_crc_is_refused():
    e = ziputil.deflated("a.json", b"hello " * 100)
    e.crc = (e.crc or 0) ^ 1
    refused_on_read(e, "bad CRC-32")


def test_stored_entry_with_wrong_crc_is_refused():
    refused_on_read(ziputil.Raw("a.txt", b"hello", 0, crc=zlib.crc32(b"hellO")), "bad CRC-32")


def test_a_stream_shorter_than_its_declared_size_is_refused():
    body = b"x" * 1000
    refused_on_read(ziputil.Raw("a.json", raw_deflate(body), 8, zlib.crc32(body + b"y"), 1001),
                    "less data than its size")


def test_a_stream_cut_before_its_end_is_refused():
    body = bytes(range(256)) * 400
    packed = raw_deflate(body)[:-20]
    refused_on_read(ziputil.Raw("a.bin", packed, 8, zlib.crc32(body), len(body)), "less data")


def test_bytes_after_the_deflate_stream_are_refused():
    body = b"hello " * 100
    refused_on_read(ziputil.Raw("a.json", raw_deflate(body) + b"forged", 8, zlib.crc32(body), len(body)),
                    "bytes after the end")


def test_a_stream_longer_than_its_declared_size_is_refused_without_inflating_it_all():
    """A 256 MiB bomb declared as 100 bytes: refused after one bounded block."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = b"".join(c.compress(bytes(1 << 24)) for _ in range(16)) + c.flush()
    z = reader(ziputil.write([ziputil.Raw("bomb.bin", packed, 8, 0, 100)]))
    blocks = z.blocks("bomb.bin")
    tracemalloc.start()
    try:
        with pytest.raises(VerificationError, match="more data than its size"):
            next(blocks)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * BLOCK


def test_large_entries_come_in_bounded_blocks():
    body = bytes(5 * BLOCK + 123)
    z = reader(ziputil.write([ziputil.deflated("big.bin", body)]))
    sizes = [len(b) for b in z.blocks("big.bin")]
    assert sum(sizes) == len(body) and max(sizes) <= BLOCK
    with z.open("big.bin") as f:
        assert f.read(10) == bytes(10) and len(f.read()) == len(body) - 10


def test_an_empty_stored_entry_reads_empty():
    assert reader(ziputil.write([ziputil.stored("e.txt", b"")])).read("e.txt") == b""


def test_a_name_that_is_not_there_is_a_key_error():
    with pytest.raises(KeyError):
        reader(ziputil.write([ziputil.stored("a.txt", b"a")])).read("b.txt")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=3000), st.booleans()), min_size=1, max_size=6))
def test_reads_what_zipfile_reads(items):
    """The same bytes for every entry, stored or deflated, as zipfile."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, (data, packed) in enumerate(items):
            zf.writestr(f"e/{k}.bin", data, zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED)
    ours = reader(buf.getvalue())
    assert list(ours.directory.names) == [f"e/{k}.bin" for k in range(len(items))]
    for k, (data, _) in enumerate(items):
        assert ours.read(f"e/{k}.bin") == data == ours.read_buffer(f"e/{k}.bin")
