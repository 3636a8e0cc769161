"""Reader pages are rendered once: pack and export-site take later pages
from the cache, byte for byte what rendering gives (bundles stay identical),
and a change of renderer, a damaged or missing cache never shows a stale page."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from bundleutil import make_archive as make_encrypted, new_version
from conftest import open_archive
from mirror.bundle import pack, pagecache, site
from mirror.store import Archive


def make_archive(path, n: int) -> list[str]:
    """A plaintext archive: the cache's index is kept only there (see pagecache)."""
    with Archive.create(path, None) as ar:
        return [ar.save(new_version(i)).id for i in range(n)]


def payload(path) -> bytes:
    with open_archive(path) as ar:
        return b"".join(pack.payload(ar, sorted(ar.ids())))


def no_rendering(monkeypatch):
    def refuse(art, image_src):
        raise AssertionError(f"rendered {art.id} again")
    monkeypatch.setattr(site, "render", refuse)


def test_second_pack_takes_every_page_from_the_cache_and_is_identical(tmp_path, monkeypatch):
    make_archive(tmp_path / "A", 3)
    first = payload(tmp_path / "A")
    no_rendering(monkeypatch)
    assert payload(tmp_path / "A") == first


def test_export_site_uses_the_same_pages(tmp_path, monkeypatch):
    make_archive(tmp_path / "A", 2)
    with open_archive(tmp_path / "A") as ar:
        pack.export_site(ar, sorted(ar.ids()), tmp_path / "one")
    no_rendering(monkeypatch)
    with open_archive(tmp_path / "A") as ar:
        pack.export_site(ar, sorted(ar.ids()), tmp_path / "two")
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    assert files and all((tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes()
                         for f in files)


def test_a_new_renderer_or_a_new_version_is_a_miss(tmp_path, monkeypatch):
    make_archive(tmp_path / "A", 2)
    payload(tmp_path / "A")
    calls = []
    real = site.render
    monkeypatch.setattr(site, "render", lambda art, src, nav=None: calls.append(art.id) or real(art, src, nav))
    monkeypatch.setattr(pagecache, "fingerprint", lambda: b"another renderer")
    payload(tmp_path / "A")
    assert len(calls) == 2
    with open_archive(tmp_path / "A") as ar:
        # A corrected text, same title and date: its neighbours' links to it are unchanged.
        ar.save(new_version(0, text="Paragraph one, corrected."))
    calls.clear()
    payload(tmp_path / "A")
    assert len(calls) == 1  # only the article whose current version changed


def test_damaged_or_missing_cache_renders_again(tmp_path):
    make_archive(tmp_path / "A", 2)
    first = payload(tmp_path / "A")
    db = sqlite3.connect(tmp_path / "A" / "cache" / "pages")
    shas = [r[0] for r in db.execute("SELECT sha FROM pages")]
    db.close()
    assert len(shas) == 2
    with open_archive(tmp_path / "A") as ar:
        path = ar.blob_path(shas[0])
        ar.blob_path(shas[1]).unlink()  # what gc does to pages
    os.chmod(path, 0o600)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Paragraph", b"FORGED-ph"))
    assert payload(tmp_path / "A") == first
    (tmp_path / "A" / "cache" / "pages").write_bytes(b"not a database")
    assert payload(tmp_path / "A") == first


def test_unwritable_cache_is_no_error(tmp_path):
    make_archive(tmp_path / "A", 2)
    (tmp_path / "A" / "cache").write_bytes(b"")  # a file where the folder would be
    first = payload(tmp_path / "A")
    (tmp_path / "A" / "cache").unlink()
    assert payload(tmp_path / "A") == first


def test_an_encrypted_archive_caches_pages_under_its_own_encryption(tmp_path):
    """The index is a SQLCipher database under a key of the archive's and the
    pages are sealed blobs: the cache tells a seized disk nothing (no SQLite
    header, no page text, no article id), and still saves the rendering."""
    ids = make_encrypted(tmp_path / "E", 2)
    first = payload(tmp_path / "E")
    index = tmp_path / "E" / "cache" / "pages"
    assert index.exists()
    for f in (tmp_path / "E").rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert b"SQLite format 3" not in data and b"Paragraph one of article" not in data
            assert not any(i.encode() in data for i in ids), f
    calls = []
    real = site.render
    import pytest as _pytest

    with _pytest.MonkeyPatch.context() as mp:
        mp.setattr(site, "render", lambda art, src, nav=None: calls.append(art.id) or real(art, src, nav))
        assert payload(tmp_path / "E") == first
    assert calls == []  # every page came from the cache


def test_the_renderability_verdict_is_kept_too(tmp_path, monkeypatch):
    """Planning a pack asks of every article whether its HTML renders (which
    parses it): the next pack takes the answer, a refusal included."""
    make_archive(tmp_path / "A", 2)
    payload(tmp_path / "A")
    monkeypatch.setattr(site, "renders", lambda html: "ValueError" if "bad" in html else None)
    with open_archive(tmp_path / "A") as ar, pagecache.PageCache(ar) as pages:
        assert pages.renders("<p>bad</p>", site.renders) == "ValueError"

    def refuse(html):
        raise AssertionError("parsed again")
    monkeypatch.setattr(site, "renders", refuse)
    no_rendering(monkeypatch)
    with open_archive(tmp_path / "A") as ar, pagecache.PageCache(ar) as pages:
        assert pages.renders("<p>bad</p>", site.renders) == "ValueError"
    assert payload(tmp_path / "A")  # neither parsed nor rendered again


def test_a_versions_page_is_cached_too_and_a_new_version_renews_it(tmp_path, monkeypatch):
    """The versions page (a word diff of every pair of captures) cost pack
    as much as the article pages did; it is kept like them."""
    make_archive(tmp_path / "A", 2)
    with open_archive(tmp_path / "A") as ar:
        ar.save(new_version(0, text="Paragraph one, corrected."))
    first = payload(tmp_path / "A")
    from mirror.render import versions

    diffs = []
    real = versions.versions_page
    monkeypatch.setattr(versions, "versions_page", lambda shown, back: diffs.append(len(shown)) or real(shown, back))
    assert payload(tmp_path / "A") == first and diffs == []
    with open_archive(tmp_path / "A") as ar:
        ar.save(new_version(0, text="Paragraph one, corrected twice."))
    second = payload(tmp_path / "A")
    assert diffs == [3] and second != first
    monkeypatch.setattr(versions, "versions_page", real)
    with sqlite3.connect(tmp_path / "A" / "cache" / "pages") as db:
        db.execute("DELETE FROM pages")
    assert payload(tmp_path / "A") == second  # what the cache gave is what rendering gives


def test_a_long_pack_indexes_its_pages_as_it_goes_holding_a_few(tmp_path, monkeypatch):
    """A pack or import of 100,000 articles must not hold a key for every page
    and verdict until it ends: they are indexed in batches, each page only
    once its blob is synced, and what the last batch left is indexed at the end."""
    make_archive(tmp_path / "A", 7)
    monkeypatch.setattr(pagecache, "FLUSH", 3)
    held: list[int] = []
    synced: list[set[str]] = []
    real_flush = pagecache.PageCache.flush

    def watched(self):
        held.append(len(self._new) + len(self._verdicts))
        if self._new:  # the blobs it is about to name are whole once it returns
            synced.append(set(self._new.values()))
        real_flush(self)
    monkeypatch.setattr(pagecache.PageCache, "flush", watched)
    first = payload(tmp_path / "A")
    assert len(held) > 4 and max(held) <= 3  # flushed as it went, never more than FLUSH held
    with sqlite3.connect(tmp_path / "A" / "cache" / "pages") as db:
        named = {r[0] for r in db.execute("SELECT sha FROM pages")}
        verdicts = db.execute("SELECT count(*) FROM renders").fetchone()[0]
    assert named == set().union(*synced) and len(named) >= 7 and verdicts >= 7
    for sha in named:  # every page the index names is a whole blob
        with open_archive(tmp_path / "A") as ar:
            assert hashlib.sha256(ar.read_blob(sha)).hexdigest() == sha
    no_rendering(monkeypatch)
    assert payload(tmp_path / "A") == first  # and the next pack finds every page


def test_unpack_notes_its_verdicts_in_batches(tmp_path, monkeypatch):
    """Unpack tells the cache that every capture it imported renders; 100,000
    of them are written a batch at a time, not held in one dict."""
    make_archive(tmp_path / "A", 1)
    monkeypatch.setattr(pagecache, "FLUSH", 4)
    shas = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(10)]
    with open_archive(tmp_path / "A") as ar, pagecache.PageCache(ar) as pages:
        sizes = []
        for sha in shas:
            pages.note_renders([sha])
            sizes.append(len(pages._verdicts))
        assert max(sizes) < 4
    with open_archive(tmp_path / "A") as ar, pagecache.PageCache(ar) as pages:
        def refuse(html):
            raise AssertionError("judged again")
        assert all(pages.renders_stored(sha, lambda: "<p>x</p>", refuse) is None for sha in shas)
