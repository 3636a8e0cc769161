"""manifest.entries streams a manifest laid out as we write it (never
holding its entries) and parses any other layout whole: either way it must
accept and refuse what `parse` does, and give the same entries."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings, strategies as st

from mirror.bundle import manifest as mf
from mirror.errors import VerificationError
from mirror.model import article_id

SHA = "ab" * 32


def _entry(i: int, title: object = "T", extra_files: int = 1) -> dict[str, object]:
    url = f"https://example.org/a{i}"
    aid = article_id(url)
    files = {f"articles/{aid}/article.json": {"sha256": SHA, "size": 10}}
    for k in range(extra_files):
        files[f"articles/{aid}/assets/{k}.png"] = {"sha256": SHA, "size": k}
    return {"id": aid, "url": url, "title": title, "published": None, "modified": None,
            "captured": "2026-01-01T00:00:00Z", "content_hash": SHA, "files": files}


def _ours(entries: list[dict[str, object]], top: int = 2) -> bytes:
    """What pack writes: ManifestParts in id order."""
    parts = mf.ManifestParts()
    for e in sorted(entries, key=lambda e: str(e["id"])):
        parts.add(mf.ArticleEntry(e["id"], e["url"], e["title"], e["published"], e["modified"],  # type: ignore[arg-type]
                                  e["captured"], e["content_hash"],  # type: ignore[arg-type]
                                  {k: mf.FileRef(**v) for k, v in e["files"].items()}))  # type: ignore[attr-defined]
    return parts.to_bytes({f"top{k}.html": mf.FileRef(SHA, k) for k in range(top)})


def _chunked(data: bytes, size: int):  # type: ignore[no-untyped-def]
    return lambda: (data[i:i + size] for i in range(0, len(data), size))


def _outcome(data: bytes, chunk: int = 7) -> object:
    try:
        e = mf.entries(_chunked(data, chunk), hashlib.sha256(data).digest())
        return ("ok", e.files, list(e), list(e))  # read twice: the same both times
    except VerificationError as err:
        return ("refused", str(err))


def _whole(data: bytes) -> object:
    try:
        m = mf.parse(data)
        return ("ok", m.files, m.articles, m.articles)
    except VerificationError as err:
        return ("refused", str(err))


def test_our_layout_is_streamed_and_not_held() -> None:
    data = _ours([_entry(i) for i in range(30)])
    got = mf.entries(_chunked(data, 100), hashlib.sha256(data).digest())
    assert got._held is None and got.count == 30
    assert _outcome(data) == _whole(data)


def test_other_layouts_are_parsed_whole_with_the_same_result() -> None:
    doc = {"format": "mirror-bundle", "version": 1, "files": {"i.html": {"sha256": SHA, "size": 1}},
           "articles": [_entry(i) for i in range(5)]}
    for data in (json.dumps(doc).encode(), json.dumps(doc, indent=1).encode(),
                 json.dumps(doc, indent=1, sort_keys=True).encode()):
        assert _outcome(data)[0] == "ok"
        assert _outcome(data) == _whole(data)


def test_bytes_read_again_must_be_the_bytes_checked() -> None:
    data = _ours([_entry(i) for i in range(3)])
    with pytest.raises(VerificationError, match="changed while it was being read"):
        mf.entries(_chunked(data, 50), hashlib.sha256(data + b" ").digest())


@pytest.mark.parametrize("mangle", [
    lambda d: d.replace(b'"title": "T"', b'"title": 5', 1),  # a schema error in one part
    lambda d: d.replace(b"\n  },\n", b"\n  },\n  {},\n", 1),  # an element not an article
    lambda d: d.replace(b'"files": {', b'"files": {\n  },\n  "x": {', 1),  # a cut inside an element
    lambda d: d[:-20],  # truncated
    lambda d: d.replace(b'"format"', b'"articles": [], "format"', 1),  # "articles" twice
    lambda d: d.replace(b"\n ],\n", b"\n ]\n}\n", 1),  # the tail without its members
])
def test_tampered_layouts_get_the_whole_parse_verdict(mangle) -> None:  # type: ignore[no-untyped-def]
    data = mangle(_ours([_entry(i) for i in range(4)]))
    assert _outcome(data) == _whole(data)


def test_articles_out_of_order_are_still_read() -> None:
    """Ours are in id order; another writer's need not be (parsed whole)."""
    a, b = _ours([_entry(1)]), _ours([_entry(2)])
    pa = a[a.index(b"  {"):a.index(b"\n ]") + 1]
    pb = b[b.index(b"  {"):b.index(b"\n ]") + 1]
    first, second = sorted([pa, pb])
    data = a.replace(pa, second.rstrip(b"\n") + b",\n" + first.rstrip(b"\n"))
    assert _outcome(data)[0] == "ok"
    assert _outcome(data) == _whole(data)


_titles = st.one_of(st.none(), st.text(max_size=8), st.integers(), st.sampled_from(["  },", "\n  },\n", "\udfff"]))


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 5), titles=st.lists(_titles, min_size=5, max_size=5), top=st.integers(0, 3),
       chunk=st.integers(1, 64), cut=st.integers(0, 10_000), junk=st.binary(max_size=6))
def test_any_change_to_our_layout_gets_the_whole_parse_verdict(n, titles, top, chunk, cut, junk) -> None:  # type: ignore[no-untyped-def]
    entries = [_entry(i, title=titles[i], extra_files=i % 3) for i in range(n)]
    try:
        data = _ours(entries, top)
    except (TypeError, AttributeError, UnicodeEncodeError):
        return  # not a title pack could write
    at = cut % (len(data) + 1)
    for variant in (data, data[:at] + junk + data[at:], data[:at] + data[at + len(junk):]):
        assert _outcome(variant, chunk) == _whole(variant)


def test_verify_hashes_an_unsigned_manifest_as_it_reads_it_and_holds_a_signed_one_once(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An unsigned manifest (68 MB at 100,000 articles) is never held whole;
    a signed one is, once, because Ed25519 reads its message twice."""
    import io

    from bundleutil import make_archive
    from conftest import open_archive
    from mirror.bundle import layout, pack, signing, verify as vf
    from mirror.bundle.zipread import ZipReader
    from mirror.config import BundleConfig

    make_archive(tmp_path / "A", 3)
    key = signing.generate()
    with open_archive(tmp_path / "A") as ar:
        unsigned = b"".join(pack.payload(ar, ar.ids()))
        signed = b"".join(pack.payload(ar, ar.ids(), sign_key=key))
    whole: list[str] = []
    real = ZipReader.read_buffer
    monkeypatch.setattr(ZipReader, "read_buffer", lambda self, name: whole.append(name) or real(self, name))
    v = vf.verify(io.BytesIO(unsigned), BundleConfig())
    assert whole == [] and v.entries.count == 3 and v.signer is None
    v = vf.verify(io.BytesIO(signed), BundleConfig(), [key.public])
    assert whole == [layout.MANIFEST] and v.trusted and len(list(v.items())) == 3
