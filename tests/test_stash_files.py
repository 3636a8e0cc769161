"""Unpack keeps up to 4,096 decoded images open in unnamed temp files until
the import: they are raw files (no 4 KiB buffer each: 16 MiB at 100k), written
whole even by a file that takes less than it is given."""

from __future__ import annotations

import hashlib
import io
import tracemalloc

from bundleutil import make_archive
from conftest import open_archive
from mirror.fsutil import write_all
from mirror.store.sealing import SealedTemp


class Stingy(io.BytesIO):
    """A raw file that takes at most 3 bytes a write (as a raw file may)."""

    def write(self, data):  # type: ignore[no-untyped-def]
        return super().write(bytes(memoryview(data)[:3]))


def test_write_all_and_a_sealed_temp_over_a_stingy_raw_file_write_everything():
    f = Stingy()
    write_all(f, b"0123456789" * 7)
    assert f.getvalue() == b"0123456789" * 7
    sealed = SealedTemp(Stingy())
    sealed.write(b"an image, decoded " * 50)
    sealed.seek(0)
    assert sealed.read() == b"an image, decoded " * 50


def test_many_open_stash_files_cost_no_buffer_each_and_keep_their_bytes(tmp_path):
    make_archive(tmp_path / "A", 1)
    images = [b"\xff\xd8\xff" + hashlib.sha256(str(i).encode()).digest() * 40 for i in range(300)]
    with open_archive(tmp_path / "A") as ar, ar.stash(4096) as stash:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for data in images:
            stash.add(hashlib.sha256(data).hexdigest(), data)
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        assert len(stash.files) == 300
        assert grown < 300 * 1024  # a 4 KiB buffer each would be 1.2 MB
        for data in images[:5]:
            f = stash.files[hashlib.sha256(data).hexdigest()]
            f.seek(0)
            assert f.read() == data
