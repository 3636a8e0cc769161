"""The payload layer without encryption: ZIP bytes, padding, manifest,
signing keys, article.json validation."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import pytest
from hypothesis import given, settings, strategies as st

from bundleutil import make_archive
from mirror.bundle import layout, manifest as mf, pack, signing
from mirror.crypto.padding import padme
from mirror.bundle.zipwriter import ZipWriter
from mirror.errors import UsageError, VerificationError
from conftest import open_archive


def test_padme_known_values():
    assert [padme(n) for n in (0, 1, 2, 9, 1000, 1024, 1025)] == [0, 1, 2, 10, 1024, 1024, 1088]


@given(st.integers(min_value=2, max_value=1 << 40))
def test_padme_bounds(n):
    p = padme(n)
    assert n <= p <= n + n * 0.12 + 1
    assert padme(p) == p  # padded sizes are fixed points: the set of sizes is small
    # Only the top ~log2(log2(n)) bits of the size survive.
    e = n.bit_length() - 1
    assert p % (1 << (e - e.bit_length())) == 0 or p == 1 << e


def test_padme_leaks_few_distinct_sizes():
    sizes = {padme(n) for n in range(1_000_000, 1_100_000)}
    assert len(sizes) <= 20


def _payload(ar, ids, **kw) -> bytes:
    return b"".join(pack.payload(ar, ids, **kw))


def test_zip_is_deterministic_sorted_and_plain(tmp_path):
    ids = make_archive(tmp_path / "a", 3)
    with open_archive(tmp_path / "a") as ar:
        one = _payload(ar, sorted(ids))
        two = _payload(ar, sorted(ids))
    assert one == two
    zf = zipfile.ZipFile(io.BytesIO(one))
    names = zf.namelist()
    assert names == sorted(names) and names[-1] == layout.PADDING
    for info in zf.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.extra == b"" and info.comment == b""
        assert info.external_attr == 0o100644 << 16 and info.create_system == 3
        assert not info.flag_bits & 0x8  # no data descriptors
    assert zf.testzip() is None
    assert len(one) == padme(len(one))


def test_zip_passes_unzip_test(tmp_path):
    ids = make_archive(tmp_path / "a", 2)
    with open_archive(tmp_path / "a") as ar:
        (tmp_path / "p.zip").write_bytes(_payload(ar, sorted(ids), pad=False))
    out = subprocess.run(["unzip", "-t", str(tmp_path / "p.zip")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    assert "zz-padding" not in out.stdout


def test_images_stored_text_deflated(tmp_path):
    w = ZipWriter()
    blob = b"".join(w.entry("a.txt", b"hello " * 1000, True)) + b"".join(w.entry("b.bin", bytes(range(256)), True))
    data = blob + b"".join(w.finish())
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert zf.getinfo("a.txt").compress_type == zipfile.ZIP_DEFLATED
    assert zf.getinfo("b.bin").compress_type == zipfile.ZIP_STORED  # deflate did not help
    assert zf.read("a.txt") == b"hello " * 1000


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000) | st.text(max_size=2000).map(str.encode), st.lists(st.integers(0, 3000), max_size=6))
def test_an_entry_written_in_pieces_is_the_entry_written_whole(data, cuts):
    """The manifest is deflated piece by piece (never held whole): its
    bytes in the ZIP, header included, must be those of the whole entry,
    or unsigned and signed packs of the same articles would differ."""
    at = sorted({min(c, len(data)) for c in cuts})
    pieces = [data[i:j] for i, j in zip([0, *at], [*at, len(data)])]
    whole, parts = ZipWriter(), ZipWriter()
    one = b"".join(whole.entry("m.json", data, True)) + b"".join(whole.finish())
    two = b"".join(parts.entry_from("m.json", lambda: iter(pieces))) + b"".join(parts.finish())
    assert one == two
    assert zipfile.ZipFile(io.BytesIO(two)).read("m.json") == data


def test_a_repeated_name_is_refused_in_or_out_of_order():
    """Names in order are checked against the last one only; the first out
    of order makes the set of all, so a repeat is caught either way."""
    for names in (["a", "b", "b"], ["b", "c", "a", "b"], ["c", "a", "c"]):
        w = ZipWriter()
        for n in names[:-1]:
            b"".join(w.entry(n, b"x", False))
        with pytest.raises(ValueError, match="duplicate"):
            b"".join(w.entry(names[-1], b"x", False))
    w = ZipWriter()
    data = b"".join(b"".join(w.entry(n, n.encode(), False)) for n in ["b", "a", "c", "d"])  # no repeat
    zf = zipfile.ZipFile(io.BytesIO(data + b"".join(w.finish())))
    assert zf.namelist() == ["b", "a", "c", "d"] and zf.read("a") == b"a"


def test_padding_rounds_whole_payload(tmp_path):
    ids = make_archive(tmp_path / "a", 1)
    with open_archive(tmp_path / "a") as ar:
        stats = pack.PackStats()
        padded = _payload(ar, ids, stats=stats)
        bare = _payload(ar, ids, pad=False)
    assert len(padded) == padme(len(padded)) == stats.plaintext_bytes
    assert len(padded) > len(bare) and layout.PADDING not in zipfile.ZipFile(io.BytesIO(bare)).namelist()


def test_manifest_covers_every_file(tmp_path):
    ids = make_archive(tmp_path / "a", 2)
    with open_archive(tmp_path / "a") as ar:
        zf = zipfile.ZipFile(io.BytesIO(_payload(ar, sorted(ids))))
    m = mf.parse(zf.read("manifest.json"))
    listed = m.all_files()
    assert set(listed) | {layout.MANIFEST, layout.PADDING} == set(zf.namelist())
    import hashlib
    for name, ref in listed.items():
        assert hashlib.sha256(zf.read(name)).hexdigest() == ref.sha256
    doc = json.loads(zf.read("manifest.json"))
    assert doc["format"] == "mirror-bundle" and doc["version"] == 1
    art = doc["articles"][0]
    assert set(art) == {"id", "url", "title", "published", "modified", "captured", "content_hash", "files"}
    assert art["captured"].endswith("T00:00:00Z")


@pytest.mark.parametrize("edit,msg", [
    (lambda d: d.update(version=2), "unsupported version"),
    (lambda d: d["articles"][0].update(id="0000000000000000"), "does not match its URL"),
    (lambda d: d["articles"][0]["files"].pop(layout.article_json(d["articles"][0]["id"])),
     "no article.json"),
    (lambda d: d.update(articles=[]), "no articles"),
    (lambda d: d["files"].update({"articles/x": {"sha256": "0" * 64, "size": 1}}), "wrong place"),
    (lambda d: next(iter(d["articles"][0]["files"].values())).pop("sha256"), "bad entry"),
])
def test_manifest_schema_refusals(tmp_path, edit, msg):
    ids = make_archive(tmp_path / "a", 1)
    with open_archive(tmp_path / "a") as ar:
        zf = zipfile.ZipFile(io.BytesIO(_payload(ar, ids)))
    doc = json.loads(zf.read("manifest.json"))
    edit(doc)
    try:
        mf.parse(json.dumps(doc).encode())
    except VerificationError as e:
        assert msg in str(e)
    else:
        pytest.fail("manifest accepted")


def test_signing_key_file_and_signature(tmp_path):
    key = signing.generate()
    path = tmp_path / "sign.key"
    signing.write_key_file(path, key)
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(UsageError, match="refusing to overwrite"):
        signing.write_key_file(path, signing.generate())
    loaded = signing.load_signing_key(path)
    assert loaded.public == key.public
    assert signing.load_trusted(path) == [key.public]
    doc = signing.signature_document(loaded, b"manifest bytes")
    assert signing.verify_signature_document(doc, b"manifest bytes") == key.public
    with pytest.raises(VerificationError, match="bad signature"):
        signing.verify_signature_document(doc, b"manifest bytez")
    assert signing.fingerprint(key.public).startswith("SHA256:")


def test_article_json_content_hash_checked(tmp_path):
    ids = make_archive(tmp_path / "a", 1)
    with open_archive(tmp_path / "a") as ar:
        doc = layout.to_article_json(ar.get(ids[0]))
    new, assets = layout.parse_article_json(json.loads(json.dumps(doc)), "x")
    assert new.url == doc["url"] and len(assets) == 2
    doc["text"] += " (edited)"
    with pytest.raises(VerificationError, match="content_hash"):
        layout.parse_article_json(doc, "x")


def test_article_json_refuses_non_http_url(tmp_path):
    ids = make_archive(tmp_path / "a", 1)
    with open_archive(tmp_path / "a") as ar:
        doc = layout.to_article_json(ar.get(ids[0]))
    doc["url"] = "javascript:alert(1)"
    with pytest.raises(VerificationError, match="http"):
        layout.parse_article_json(doc, "x")


_FUZZ: dict = {}


def _fuzz_plain() -> bytes:
    if "plain" not in _FUZZ:
        import tempfile
        from pathlib import Path

        d = Path(tempfile.mkdtemp())
        ids = make_archive(d / "a", 2)
        with open_archive(d / "a") as ar:
            _FUZZ["plain"] = _payload(ar, sorted(ids), sign_key=signing.generate())
    return _FUZZ["plain"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)),
                min_size=1, max_size=4), st.none() | st.integers(min_value=0))
def test_verify_never_crashes_on_damaged_payload(flips, cut):
    """Any damage to the plaintext is a clean refusal (or harmless), never
    another exception (which would be a traceback for the user)."""
    from mirror.bundle import verify
    from mirror.config import BundleConfig

    data = bytearray(_fuzz_plain())
    for pos, x in flips:
        data[pos % len(data)] ^= x
    if cut is not None:
        data = data[:cut % len(data)]
    try:
        verify.verify(io.BytesIO(bytes(data)), BundleConfig())
    except VerificationError:
        return
