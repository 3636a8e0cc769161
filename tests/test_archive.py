import dataclasses
import os

import pytest

from mirror.store import Archive, NewKeys
from mirror.store import archive as archive_mod
from mirror.store import catalogue as catalogue_mod
from mirror.errors import ArchiveError, NotFound, UsageError
from mirror.model import Asset, NewVersion, article_id
import hashlib
from conftest import open_archive


def version(url="https://news.example/a", text="First text of the article.", title="Title", assets=()):
    return NewVersion(url=url, title=title, byline="Byline", published="2026-11-01T10:00:00+00:00",
                      modified=None, lang="en", site_name="News", text=text, html=f"<p>{text}</p>",
                      captured="2026-11-02T00:00:00+00:00", assets=list(assets))


def png_asset(data: bytes):
    sha = hashlib.sha256(data).hexdigest()
    return Asset(f"{sha[:16]}.png", sha, "image/png", len(data), "https://img.example/x.png"), data


def test_missing_dir_is_created_by_create_only(tmp_path):
    root = tmp_path / "new" / "archive"
    with pytest.raises(ArchiveError, match="no archive at .*mirror init"):
        Archive.open(root)
    assert not root.exists()
    with Archive.create(root, None) as ar:
        assert ar.list() == [] and not ar.encrypted
    assert (root / archive_mod.DB_NAME).exists()
    with Archive.open(root) as ar:
        assert not ar.encrypted


def test_empty_dir_becomes_an_archive(tmp_path):
    with Archive.create(tmp_path, NewKeys(recipients=(os.environ["MIRROR_TEST_IDENTITY"],))) as ar:
        assert ar.list() == [] and ar.encrypted
    with pytest.raises(ArchiveError, match="already an archive"):
        Archive.create(tmp_path, None)


def test_foreign_dir_is_refused_and_untouched(tmp_path):
    (tmp_path / "thesis.txt").write_text("mine")
    for attempt in (lambda: open_archive(tmp_path), lambda: Archive.create(tmp_path, None)):
        with pytest.raises(ArchiveError, match="not a mirror archive"):
            attempt()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.txt"]


def test_newer_schema_is_refused(tmp_path, monkeypatch):
    open_archive(tmp_path).close()
    with open_archive(tmp_path) as ar:
        ar.db.execute(f"PRAGMA user_version = {catalogue_mod.SCHEMA_VERSION + 1}")
    with pytest.raises(ArchiveError, match="newer"):
        open_archive(tmp_path)


def _save_as_schema_did(ar, new, schema):
    """Store a capture with the statements of `schema`: before migration 3, a
    plain FTS table over the same text."""
    from mirror.model import article_id

    aid = article_id(new.url)
    with ar.catalogue.transaction():
        ar.db.execute("INSERT INTO articles (id, url, first_captured) VALUES (?, ?, ?)",
                      (aid, new.url, new.captured))
        cur = ar.db.execute(
            "INSERT INTO versions (article_id, n, content_hash, captured, title, byline, published, modified,"
            " lang, site_name, lead_image, text, html_sha) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, new.content_hash(), new.captured, new.title, new.byline, new.published, new.modified,
             new.lang, new.site_name, new.lead_image, new.text, ar.put_blob(new.html.encode())))
        if schema < 3:
            ar.db.execute("INSERT INTO fts (rowid, title, byline, text) VALUES (?, ?, ?, ?)",
                          (cur.lastrowid, new.title or "", new.byline or "", new.text))
        else:
            catalogue_mod._index_row(ar.db, cur.lastrowid, new.title, new.byline, new.text, new.lang)
    return type("Saved", (), {"id": aid})


def test_migrates_from_every_earlier_version(tmp_path, monkeypatch):
    """Build an archive at each earlier schema version with an article in it, then
    open it with the current code: it must migrate and keep what was stored."""
    assert catalogue_mod.SCHEMA_VERSION >= 2
    for start in range(1, catalogue_mod.SCHEMA_VERSION):
        root = tmp_path / f"v{start}"
        monkeypatch.setattr(catalogue_mod, "SCHEMA_VERSION", start)
        with open_archive(root) as ar:
            assert ar.db.execute("PRAGMA user_version").fetchone()[0] == start
            res = _save_as_schema_did(ar, version(), start)
            ru = _save_as_schema_did(ar, dataclasses.replace(
                version(url="https://news.example/ru", text="Суд оштрафовал журналистов за ёлку."), lang="ru"), start)
        monkeypatch.undo()
        with open_archive(root) as ar:
            assert ar.db.execute("PRAGMA user_version").fetchone()[0] == catalogue_mod.SCHEMA_VERSION
            assert ar.get(res.id).text == "First text of the article."
            assert ar.search("article")[0].id == res.id
            assert [h.id for h in ar.search("журналист елка")] == [ru.id]  # stemmed, folded: the index was rebuilt
            assert ar.follow("https://n.example/feed.xml", "Feed", "2026-11-26")  # v2 table usable
            assert ar.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'versions_captured'").fetchone()
            assert ar.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_feed_bookkeeping(tmp_path):
    with open_archive(tmp_path) as ar:
        assert ar.follow("https://n.example/rss", "News", "2026-11-26")
        assert not ar.follow("https://n.example/rss", "News", "2026-11-26")
        assert ar.feeds() == [("https://n.example/rss", "News")]
        links = ["https://n.example/1", "https://n.example/2", "https://n.example/1"]
        assert ar.unseen_entries("https://n.example/rss", links) == links[:2]
        ar.mark_seen("https://n.example/rss", ["https://n.example/1"], "2026-11-26")
        assert ar.unseen_entries("https://n.example/rss", links) == ["https://n.example/2"]


def test_save_get_roundtrip_with_asset(tmp_path):
    asset, data = png_asset(b"\x89PNG fake image bytes")
    with open_archive(tmp_path) as ar:
        res = ar.save(version(assets=[(asset, data)]))
        assert res.created and res.version == 1 and res.id == article_id("https://news.example/a")
        got = ar.get(res.id)
        assert got.title == "Title" and got.text == "First text of the article."
        assert got.html == "<p>First text of the article.</p>"
        assert got.assets == [asset]
        assert ar.read_blob(asset.sha256) == data
        assert oct(ar.blob_path(asset.sha256).stat().st_mode & 0o777) == "0o600"


def test_same_content_is_not_duplicated(tmp_path):
    with open_archive(tmp_path) as ar:
        a = ar.save(version())
        b = ar.save(version())
        assert not b.created and b.version == a.version
        assert len(ar.versions(a.id)) == 1


def test_changed_content_is_a_new_version_never_an_overwrite(tmp_path):
    with open_archive(tmp_path) as ar:
        ar.save(version(text="Original wording."))
        res = ar.save(version(text="Edited wording after complaints."))
        assert res.version == 2
        vs = ar.versions(res.id)
        assert [v.text for v in vs] == ["Original wording.", "Edited wording after complaints."]
        assert ar.get(res.id).text == "Edited wording after complaints."
        assert ar.get(res.id, 1).text == "Original wording."
        assert ar.list()[0].versions == 2


def test_search_finds_title_byline_and_text(tmp_path):
    with open_archive(tmp_path) as ar:
        ar.save(version(url="https://n.example/1", text="Dockworkers strike in the harbour", title="Strike"))
        ar.save(version(url="https://n.example/2", text="Суд оштрафовал журналиста", title="Суд"))
        assert [s.url for s in ar.search("harbour")] == ["https://n.example/1"]
        assert [s.url for s in ar.search("журналиста")] == ["https://n.example/2"]
        assert len(ar.search("Byline")) == 2
        assert ar.search('quotes " and AND OR NOT ( stars*') == []
        with pytest.raises(UsageError):
            ar.search("   ")


def test_id_prefix_and_unknown_id(tmp_path):
    with open_archive(tmp_path) as ar:
        res = ar.save(version())
        assert ar.get(res.id[:6]).id == res.id
        with pytest.raises(NotFound):
            ar.get("ffff0000")
        with pytest.raises(UsageError):
            ar.get("../etc")


def test_rm_then_gc_frees_blobs_but_keeps_shared_ones(tmp_path):
    shared, sdata = png_asset(b"shared image")
    only, odata = png_asset(b"only in the removed article")
    with open_archive(tmp_path) as ar:
        keep = ar.save(version(url="https://n.example/keep", assets=[(shared, sdata)]))
        gone = ar.save(version(url="https://n.example/gone", text="other", assets=[(shared, sdata), (only, odata)]))
        ar.remove(gone.id)
        assert [s.id for s in ar.list()] == [keep.id]
        assert ar.search("other") == []
        count, size = ar.gc()
        assert count >= 2 and size > 0  # its html blob and its own image
        assert not ar.blob_path(only.sha256).exists()
        assert ar.blob_path(shared.sha256).exists()
        assert ar.integrity() == []
        assert ar.gc() == (0, 0)


def test_gc_removes_stale_temp_files(tmp_path):
    with open_archive(tmp_path) as ar:
        (ar.blobs.tmp / "tmpabc").write_bytes(b"half-written")
        assert ar.gc() == (1, 12)


def test_save_many_is_all_or_nothing(tmp_path):
    with open_archive(tmp_path) as ar:
        good = version(url="https://n.example/good")
        bad_asset = Asset("x.png", "0" * 64, "image/png", 3)
        bad = version(url="https://n.example/bad", assets=[(bad_asset, b"abc")])
        with pytest.raises(ArchiveError):
            ar.save_many([good, bad])
        assert ar.list() == []


def test_assets_stored_beforehand_are_linked_not_rewritten(tmp_path):
    import io
    data = b"\xff\xd8\xff big jpeg" * 1000
    with open_archive(tmp_path) as ar:
        sha = ar.put_blob_file(io.BytesIO(data))
        asset = Asset(f"{sha[:16]}.jpg", sha, "image/jpeg", len(data))
        res = ar.save(version(assets=[(asset, None)]))
        assert ar.get(res.id).assets == [asset] and ar.read_blob(sha) == data
        missing = Asset("0" * 16 + ".jpg", "0" * 64, "image/jpeg", 1)
        with pytest.raises(ArchiveError, match="was not stored"):
            ar.save(version(url="https://n.example/other", assets=[(missing, None)]))
        with pytest.raises(ArchiveError, match="expected hash"):
            ar.put_blob_file(io.BytesIO(b"abc"), sha="1" * 64)


def test_an_older_capture_imported_later_does_not_become_current(tmp_path):
    with open_archive(tmp_path) as ar:
        new = version(text="Text as captured today.")
        new.captured = "2026-11-20T10:00:00Z"
        ar.save(new)
        old = version(text="Text as a friend captured it last week.")
        old.captured = "2026-11-13"
        res = ar.save(old)
        assert res.version == 2
        assert ar.get(res.id).text == "Text as captured today."
        assert ar.list()[0].captured == "2026-11-20T10:00:00Z"


class _DbSpy:
    """Wraps the archive's SQLite connection to log when a transaction commits."""

    def __init__(self, db, log):
        self._db, self._log = db, log

    def execute(self, sql, *args):
        if sql.strip().upper() == "COMMIT":
            self._log.append(("commit", None))
        return self._db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._db, name)


def _spy_fsync(monkeypatch, log, fail_fd_kind=None):
    import stat
    real = os.fsync

    def fsync(fd):
        st = os.fstat(fd)
        kind = "dir" if stat.S_ISDIR(st.st_mode) else "file"
        if kind == fail_fd_kind:
            raise OSError(5, "Input/output error")
        real(fd)
        log.append((kind, (st.st_dev, st.st_ino)))
    monkeypatch.setattr(archive_mod.os, "fsync", fsync)


@pytest.mark.parametrize("workers", [0, 3])
def test_blob_batch_fsyncs_each_directory_once_before_the_commit(tmp_path, monkeypatch, workers):
    """Batched durability: every blob file is fsynced before it is named,
    each blob directory (and blobs/ for new ones) once, all before COMMIT."""
    log = []
    with open_archive(tmp_path) as ar:
        streamed = [png_asset(b"streamed %d" % i) for i in range(6)]
        adopted = [png_asset(b"adopted %d" % i * 1000) for i in range(6)]
        inline = [png_asset(b"inline %d" % i) for i in range(4)]
        ar.catalogue.db = _DbSpy(ar.catalogue.db, log)
        _spy_fsync(monkeypatch, log)
        with ar.blob_batch(workers=workers) as batch:
            import io
            for a, data in streamed:
                batch.put_file(io.BytesIO(data), a.sha256)
            for a, data in adopted:
                f = ar.blob_tmpfile()
                f.write(data)
                batch.adopt(f, a.sha256)
            v = version(assets=[(a, None) for a, _ in streamed + adopted] + inline)
            res: list = []
            ar.save_many([v], batch, saved=res.append)
        assert res[0].created
        shas = [a.sha256 for a, _ in streamed + adopted + inline] + [hashlib.sha256(v.html.encode()).hexdigest()]
        for a, data in streamed + adopted + inline:
            assert ar.read_blob(a.sha256) == data
            assert oct(ar.blob_path(a.sha256).stat().st_mode & 0o777) == "0o600"
        dirs = {ar.blob_path(s).parent for s in shas} | {ar.blobs.root}
        dir_ids = {(d.stat().st_dev, d.stat().st_ino) for d in dirs}
    commit = log.index(("commit", None))
    dir_syncs = [ident for kind, ident in log[:commit] if kind == "dir"]
    assert sorted(dir_syncs) == sorted(dir_ids)  # each touched directory exactly once
    assert all(kind != "dir" for kind, _ in log[commit:])
    blob_files = [ident for kind, ident in log[:commit] if kind == "file"]
    assert len(blob_files) >= len(shas)  # every blob file, the page's html included


def test_blob_batch_failure_commits_nothing(tmp_path, monkeypatch):
    with open_archive(tmp_path) as ar:
        ar.save(version(url="https://n.example/first"))
        _spy_fsync(monkeypatch, [], fail_fd_kind="file")
        a, data = png_asset(b"will not be durable")
        with pytest.raises(OSError, match="Input/output"):
            with ar.blob_batch(workers=2) as batch:
                f = ar.blob_tmpfile()
                f.write(data)
                batch.adopt(f, a.sha256)
                ar.save_many([version(url="https://n.example/second", assets=[(a, None)])], batch)
        assert [s.url for s in ar.list()] == ["https://n.example/first"]
        assert not ar.blob_path(a.sha256).exists()


def test_blob_batch_holds_a_bounded_number_of_writes(tmp_path, monkeypatch):
    """A producer faster than the disk (an import of 100,000 captures) waits
    for the writers instead of queueing every page in memory: with the
    writers stalled, the batch takes IN_FLIGHT writes and blocks on the next;
    once they go on, every blob is stored."""
    import threading
    from mirror.store import blobs as blobs_mod

    monkeypatch.setattr(blobs_mod, "IN_FLIGHT", 4)
    stalled = threading.Event()
    real_write = blobs_mod.BlobStore.write

    def slow_write(self, sha, data, batch=None):
        stalled.wait()
        real_write(self, sha, data, batch)

    monkeypatch.setattr(blobs_mod.BlobStore, "write", slow_write)
    submitted, would_block = [], []
    with open_archive(tmp_path) as ar:
        with ar.blob_batch(workers=2) as batch:
            slots = batch._slots
            real_acquire = slots.acquire

            def acquire(blocking=True, timeout=None):
                if not real_acquire(blocking=False):
                    would_block.append(len(submitted))
                    stalled.set()  # let the writers go on, then wait for a slot
                    real_acquire()
                return True

            monkeypatch.setattr(slots, "acquire", acquire)
            for i in range(10):
                submitted.append(batch.put(b"page %d" % i))
            batch.sync()
        assert would_block and would_block[0] == 4  # the fifth write waited for a slot
        assert all(ar.read_blob(sha) == b"page %d" % i for i, sha in enumerate(submitted))


def test_adopt_falls_back_to_a_checked_copy(tmp_path, monkeypatch):
    """Where an unnamed temp file cannot be linked, adopt copies it, and the
    copy is hashed: bytes that do not match are refused."""
    def no_link(*a, **k):
        raise OSError(18, "Invalid cross-device link")
    monkeypatch.setattr(archive_mod.os, "link", no_link)
    with open_archive(tmp_path) as ar:
        a, data = png_asset(b"copied, not linked")
        f = ar.blob_tmpfile()
        f.write(data)
        with ar.blob_batch() as batch:
            batch.adopt(f, a.sha256)
            batch.sync()
        assert ar.read_blob(a.sha256) == data
        g = ar.blob_tmpfile()
        g.write(b"other bytes")
        with pytest.raises(ArchiveError, match="expected hash"):
            with ar.blob_batch(workers=2) as batch:
                batch.adopt(g, "1" * 64)
                batch.sync()
        assert not ar.blob_path("1" * 64).exists()


def test_save_many_stores_each_capture_before_reading_the_next(tmp_path):
    """An import hands captures over one at a time (a bundle of 100,000 is never
    in memory at once): each is in the (open) transaction before the next is
    asked for; a failure midway still leaves nothing."""
    with open_archive(tmp_path) as ar:
        seen_before = []

        def items(fail_at=None):
            for i in range(5):
                seen_before.append(ar.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0])
                if i == fail_at:
                    raise RuntimeError("the bundle ended early")
                yield version(url=f"https://n.example/{i}", text=f"Text {i}.")

        with pytest.raises(RuntimeError):
            ar.save_many(items(fail_at=3))
        assert seen_before == [0, 1, 2, 3] and ar.list() == []
        seen_before.clear()
        results: list = []
        ar.save_many(items(), saved=results.append)
        assert [r.created for r in results] == [True] * 5
        assert seen_before == [0, 1, 2, 3, 4] and len(ar.list()) == 5

        # each result is handed over as soon as its capture is stored: nothing is gathered
        counted: list = []
        again = (version(url=f"https://n.example/{i}", text=f"Text {i}!") for i in range(3))
        ar.save_many(again, saved=lambda r: counted.append(
            (r.created, ar.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0])))
        assert counted == [(True, 6), (True, 7), (True, 8)]
