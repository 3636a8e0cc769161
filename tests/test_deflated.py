"""What a pack gathers until the end (the manifest's parts, the central
directory, the manifest's deflated body) can go to a sealed temp file instead
of memory: the bundle is the same bytes, and the file holds nothing readable."""

from __future__ import annotations

import io
import random

from hypothesis import given, settings, strategies as st

from bundleutil import make_archive
from conftest import open_archive
from mirror.bundle import pack
from mirror.bundle.deflated import Deflated, Pieces
from mirror.store.sealing import SealedTemp, sealed_tempfile


class Kept(io.BytesIO):
    """The file under a seal, kept readable after it is closed (to look at it)."""

    def close(self):
        self.was_closed = True


class Recorded:
    """A spill that keeps the raw files under the seals it made."""

    def __init__(self):
        self.raw = []

    def __call__(self):
        self.raw.append(Kept())
        return SealedTemp(self.raw[-1])


@given(st.lists(st.binary(max_size=3000), max_size=40), st.integers(0, 40))
@settings(max_examples=40, deadline=None)
def test_pieces_read_back_exactly_in_memory_or_spilled_also_while_growing(tmp_path_factory, parts, cut):
    spilled = Pieces(lambda: sealed_tempfile(tmp_path_factory.mktemp("s")))
    held = Pieces()
    for p in parts[:cut]:
        spilled.append(p), held.append(p)
    reading = iter(spilled)  # begun before the rest is appended: ends where the bytes ended then
    first = next(reading, b"")
    for p in parts[cut:]:
        spilled.append(p), held.append(p)
    assert first + b"".join(reading) == b"".join(parts[:cut])
    assert b"".join(spilled) == b"".join(held) == b"".join(parts)
    assert spilled.size == held.size == sum(map(len, parts))


def test_a_deflated_stream_spilled_reads_back_the_same(tmp_path):
    rng = random.Random(1)
    text = [bytes(rng.choice(b"abcdef0123456789") for _ in range(rng.randrange(2000))) for _ in range(300)]
    spill, mem = Deflated(1, lambda: sealed_tempfile(tmp_path)), Deflated(1)
    for t in text:
        spill.add(t), mem.add(t)
        assert b"".join(spill.blocks()) == b"".join(mem.blocks())
    assert b"".join(spill.blocks()) == b"".join(text)


def test_a_spilled_pack_is_the_same_bundle_and_its_temp_files_hold_nothing_readable(tmp_path, monkeypatch):
    make_archive(tmp_path / "A", 5)
    with open_archive(tmp_path / "A") as ar:
        ids = sorted(ar.ids())
        titles = [ar.get(i).title for i in ids]
        monkeypatch.setattr(pack, "_spill", lambda ar: None)  # everything in memory, as before
        in_memory = b"".join(pack.payload(ar, ids))
        rec = Recorded()
        monkeypatch.setattr(pack, "_spill", lambda ar: rec)
        spilled = b"".join(pack.payload(ar, ids))
    assert spilled == in_memory
    assert len(rec.raw) >= 3  # the manifest's parts, its deflated body, the central directory
    assert sum(len(raw.getvalue()) for raw in rec.raw) > 1000  # (deflate holds a little back until the end)
    for raw in rec.raw:
        assert raw.was_closed  # once it was read back
        data = raw.getvalue()
        assert not any(t.encode() in data for t in titles if t)
        assert b"articles/" not in data and b"manifest" not in data


def test_an_archive_that_cannot_take_a_temp_file_spills_to_the_systems_or_says_so(tmp_path, monkeypatch):
    import pytest

    from mirror.errors import ArchiveError

    make_archive(tmp_path / "A", 1)
    asked = []

    def refuse_archive(directory=None):
        asked.append(directory)
        if directory is not None:
            raise PermissionError(13, "Permission denied")
        return SealedTemp(io.BytesIO())
    monkeypatch.setattr(pack, "sealed_tempfile", refuse_archive)
    with open_archive(tmp_path / "A") as ar:
        assert b"".join(pack.payload(ar, ar.ids()))
        assert asked[:2] == [ar.blobs.tmp, None]

        def refuse_all(directory=None):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(pack, "sealed_tempfile", refuse_all)
        with pytest.raises(ArchiveError, match="cannot make a temp file for the pack: No space left"):
            b"".join(pack.payload(ar, ar.ids()))
