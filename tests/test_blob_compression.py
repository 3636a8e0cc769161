"""Blobs that are text (article HTML, raw pages) are stored compressed; images
as they are; nothing above the store can tell, in either layout."""

from __future__ import annotations

import hashlib
import io

import pytest

from conftest import run_mirror
from mirror.errors import ArchiveError
from mirror.model import Asset, NewVersion
from mirror.store import Archive, Unlock, kind
from mirror.store.blobs import ZMAGIC, BlobStore
from mirror.store.sealing import ArchiveKeys

PROSE = " ".join(f"Paragraph {i}: the council met about the river ferry and its budget." for i in range(200))


def _stores(tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    plain, sealed = BlobStore(tmp_path / "p"), BlobStore(tmp_path / "s", ArchiveKeys.derive(bytes(32)))
    for s in (plain, sealed):
        s.create()
    return plain, sealed


def test_text_is_stored_compressed_and_reads_back(tmp_path):
    plain, sealed = _stores(tmp_path)
    data = f"<html><body><p>{PROSE}</p></body></html>".encode()
    for store in (plain, sealed):
        sha = store.put(data)
        assert sha == hashlib.sha256(data).hexdigest() and store.read(sha) == data
    stored = plain.path(sha).read_bytes()
    assert stored.startswith(ZMAGIC) and len(stored) < len(data) / 5
    assert sealed.path(sha).stat().st_size < len(data) / 2  # compressed before it is sealed and padded


def test_what_does_not_shrink_is_stored_as_it_is(tmp_path):
    plain, _ = _stores(tmp_path)
    jpeg = b"\xff\xd8\xff\xe0" + bytes(hashlib.sha256(bytes([i])).digest()[j] for i in range(200) for j in range(32))
    sha = plain.put(jpeg)
    assert plain.path(sha).read_bytes() == jpeg  # an image file on disk is that image
    short = b"<p>short</p>"
    assert plain.path(plain.put(short)).read_bytes() == short


@pytest.mark.parametrize("how", ["put", "put_file", "adopt"])
def test_content_that_looks_compressed_is_never_misread(tmp_path, how):
    """Bytes that begin with the marker of the compressed form (a hostile asset,
    say) are stored framed, however they arrive, and read back exactly."""
    for store in _stores(tmp_path / how):
        data = ZMAGIC + b"not zlib at all" * 3
        sha = hashlib.sha256(data).hexdigest()
        if how == "put":
            store.put(data)
        elif how == "put_file":
            store.put_file(io.BytesIO(data), sha)
        else:
            f = store.tmpfile()
            f.write(data)
            with store.batch() as batch:
                batch.adopt(f, sha)
                batch.sync()
        assert store.read(sha) == data
        if not store.sealed:
            assert store.path(sha).read_bytes() != data


def test_a_damaged_compressed_blob_is_a_one_line_error(tmp_path):
    plain, _ = _stores(tmp_path)
    sha = plain.put(PROSE.encode())
    path = plain.path(sha)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ArchiveError, match="damaged"):
        plain.read(sha)


def test_blobs_stored_before_compression_still_read(tmp_path):
    """Archives written before: every blob is its content, uncompressed."""
    plain, _ = _stores(tmp_path)
    data = PROSE.encode()
    sha = hashlib.sha256(data).hexdigest()
    plain.path(sha).parent.mkdir(parents=True, exist_ok=True)
    plain.path(sha).write_bytes(data)
    assert plain.read(sha) == data


def test_encrypting_an_archive_carries_compressed_blobs_over(tmp_path):
    root = tmp_path / "a"
    img = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    asset = Asset("0123456789abcdef.png", hashlib.sha256(img).hexdigest(), "image/png", len(img))
    with Archive.create(root, None) as ar:
        saved = ar.save(NewVersion(url="https://n.example/a", title="T", byline=None, published=None,
                                   modified=None, lang="en", site_name=None, text=PROSE,
                                   html=f"<p>{PROSE}</p><img src=\"assets/{asset.name}\">",
                                   captured="2026-11-02T00:00:00Z", assets=[(asset, img)]))
    key = tmp_path / "k.txt"
    from mirror.crypto import age

    identity, recipient = age.generate_identity()
    key.write_text(identity + "\n")
    r = run_mirror("encrypt", "-r", recipient, archive=root)
    assert r.returncode == 0, r.stderr
    assert kind(root) == "encrypted"
    with Archive.open(root, Unlock(file=str(key))) as ar:
        got = ar.get(saved.id)
        assert got.text == PROSE and got.html.startswith(f"<p>{PROSE}</p>")
        assert ar.read_blob(asset.sha256) == img
