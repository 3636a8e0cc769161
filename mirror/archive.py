"""The local archive: SQLite (metadata, versions, FTS5) + content-addressed blobs.

Crash safety rests on two rules: a blob is written temp + fsync + rename (and
the directory fsynced) before any row names it, and rows change only inside
one SQLite transaction (WAL, synchronous=FULL). A `BlobBatch` keeps both while
fsyncing each blob directory once per transaction instead of once per blob. `gc` takes an exclusive lock
so it never deletes a blob a concurrent writer has stored but not yet linked.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from mirror import orphans
from mirror.errors import ArchiveError, NotFound, UsageError
from mirror.model import (CURRENT_ORDER, Asset, NewVersion, StoredVersion, Summary, article_id,
                          future_cutoff)

DB_NAME = "archive.sqlite3"
SCHEMA_VERSION = 2

# Each entry migrates from version i to i + 1 (index 0 creates version 1).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        first_captured TEXT NOT NULL
    );
    CREATE TABLE versions (
        rowid INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        captured TEXT NOT NULL,
        title TEXT, byline TEXT, published TEXT, modified TEXT,
        lang TEXT, site_name TEXT, lead_image TEXT,
        text TEXT NOT NULL,
        html_sha TEXT NOT NULL,
        raw_sha TEXT,
        UNIQUE (article_id, n),
        UNIQUE (article_id, content_hash)
    );
    CREATE TABLE assets (
        version_rowid INTEGER NOT NULL REFERENCES versions(rowid) ON DELETE CASCADE,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        source_url TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (version_rowid, name)
    );
    CREATE INDEX assets_sha ON assets(sha256);
    CREATE VIRTUAL TABLE fts USING fts5(title, byline, text, tokenize = 'unicode61 remove_diacritics 2');
    """,
    # 2: followed feeds, and the entries already handled so `update` fetches only new ones.
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        title TEXT,
        added TEXT NOT NULL,
        last_checked TEXT
    );
    CREATE TABLE feed_entries (
        feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
        link TEXT NOT NULL,
        seen TEXT NOT NULL,
        PRIMARY KEY (feed_url, link)
    );
    """,
]


@dataclass(frozen=True)
class SaveResult:
    id: str
    version: int
    created: bool  # False: the same content was already stored


def fsync_dir(path: Path) -> None:
    """Make a rename or new name in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _valid_sha(sha: str) -> bool:
    return len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)


class BlobBatch:
    """Blobs stored for one transaction, with one directory fsync per blob
    directory instead of one per blob. Each blob file is still fsynced before
    it gets its name (a named blob is always whole); `sync()` fsyncs every
    directory that gained a name or holds a blob the batch relies on (another
    writer may have named it and not yet fsynced its directory), and must
    return before a transaction that names those blobs commits. `save_many`
    does that.

    With `workers`, `put` and `adopt` return at once and threads do the
    writes, fsyncs and renames (concurrent fsyncs share journal commits);
    `sync()` waits for them and raises the first failure. Use it as a context
    manager so that the threads are always waited for."""

    def __init__(self, ar: "Archive", workers: int = 0):
        self.ar = ar
        self.dirs: set[Path] = set()  # to fsync before the commit
        self.made: set[Path] = set()  # known to exist
        self._fds: dict[Path, int] = {}  # open blob directories
        self._lock = threading.Lock()
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []

    def __enter__(self) -> "BlobBatch":
        return self

    def __exit__(self, *exc) -> None:
        self._wait(raise_first=exc[0] is None)
        self._close_fds()

    def _run(self, fn, *args) -> None:
        if not self._workers:
            fn(*args)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="blob")
        self._pending.append(self._pool.submit(fn, *args))

    def _wait(self, raise_first: bool = True) -> None:
        pending, self._pending = self._pending, []
        first = None
        for fut in pending:
            e = fut.exception()
            first = first or e
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if first is not None and raise_first:
            raise first

    def note(self, sha: str) -> None:
        d = self.ar.blob_path(sha).parent
        with self._lock:
            self.dirs.add(d)

    def _made(self, d: Path) -> None:
        with self._lock:
            if d in self.made:
                return
        created = self.ar._mkdir(d)
        with self._lock:
            self.made.add(d)
            if created:  # its name in blobs/ must be durable too
                self.dirs.add(d.parent)

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self._run(self.ar._write_blob, sha, [data], self)
        return sha

    def put_file(self, src, sha: str | None = None) -> str:
        """Stream `src` in (read here, not by a worker; hashed and checked)."""
        return self.ar.put_blob_file(src, sha, batch=self)

    def adopt(self, f, sha: str) -> None:
        """Store an unnamed temp file from `Archive.blob_tmpfile` that the
        caller wrote and whose exact bytes it hashed to `sha`: fsynced, then
        linked into place without copying, then closed. Where the file cannot
        be linked (no O_TMPFILE, no /proc), it is copied and hashed again."""
        self._run(self._adopt, f, sha)

    def _adopt(self, f, sha: str) -> None:
        with f:
            final = self.ar.blob_path(sha)
            if not final.exists():
                f.flush()
                os.fsync(f.fileno())
                self.ar._blob_dir(final.parent, self)
                try:
                    # linkat(AT_SYMLINK_FOLLOW) through /proc: how an O_TMPFILE gets a name.
                    os.link(f"/proc/self/fd/{f.fileno()}", final.name, dst_dir_fd=self._dirfd(final.parent))
                except FileExistsError:
                    pass
                except OSError:
                    f.seek(0)
                    self.ar.put_blob_file(f, sha, batch=self)
                    return
            self.note(sha)

    def _dirfd(self, d: Path) -> int:
        with self._lock:
            fd = self._fds.get(d)
        if fd is None:
            fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
            with self._lock:
                if d in self._fds:
                    os.close(fd)
                    fd = self._fds[d]
                else:
                    self._fds[d] = fd
        return fd

    def _close_fds(self) -> None:
        with self._lock:
            fds, self._fds = list(self._fds.values()), {}
        for fd in fds:
            os.close(fd)

    def sync(self) -> None:
        """Wait for the writers, then fsync every blob directory the batch
        touched, once each."""
        try:
            self._wait()
            for d in sorted(self.dirs):
                os.fsync(self._dirfd(d))
            self.dirs.clear()
        finally:
            self._close_fds()


class Archive:
    """An open archive. Use `Archive.open(path)`; close it or use `with`."""

    def __init__(self, root: Path, db: sqlite3.Connection):
        self.root = root
        self.db = db
        self.blobs = root / "blobs"

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Archive":
        root = Path(path).expanduser()
        dbfile = root / DB_NAME
        if root.exists() and not root.is_dir():
            raise ArchiveError(f"{root} is not a directory")
        if not dbfile.exists():
            if root.is_dir() and any(root.iterdir()):
                raise ArchiveError(f"{root} is not empty and is not a mirror archive; refusing to write into it")
            try:
                root.mkdir(parents=True, exist_ok=True)
                os.chmod(root, 0o700)
            except OSError as e:
                raise ArchiveError(f"cannot create archive {root}: {e.strerror}") from None
        try:
            (root / "blobs" / "tmp").mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(dbfile, timeout=30, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as e:
            raise ArchiveError(f"cannot open archive {root}: {e}") from None
        archive = cls(root, db)
        archive._migrate()
        if orphans.has_dead_journal(archive):  # an unpack was killed: drop what it never committed
            orphans.sweep(archive)
        return archive

    def _migrate(self) -> None:
        try:
            current = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise ArchiveError(f"{self.root}: archive database is unreadable: {e}") from None
        if current > SCHEMA_VERSION:
            raise ArchiveError(
                f"{self.root}: archive schema version {current} is newer than this mirror "
                f"understands ({SCHEMA_VERSION}); upgrade mirror")
        if current == SCHEMA_VERSION:
            return
        with self._lock(exclusive=True):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                current = self.db.execute("PRAGMA user_version").fetchone()[0]
                for i in range(current, SCHEMA_VERSION):
                    for stmt in MIGRATIONS[i].split(";"):
                        if stmt.strip():
                            self.db.execute(stmt)
                    self.db.execute(f"PRAGMA user_version = {i + 1}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def _lock(self, exclusive: bool) -> Iterator[None]:
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    # -- blobs -------------------------------------------------------------

    def blob_path(self, sha: str) -> Path:
        if not _valid_sha(sha):
            raise ArchiveError(f"invalid blob name {sha!r}")
        return self.blobs / sha[:2] / sha[2:]

    def put_blob(self, data: bytes, batch: "BlobBatch | None" = None) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self._write_blob(sha, [data], batch)
        return sha

    def put_blob_file(self, src, sha: str | None = None, chunk: int = 1 << 20,
                      batch: "BlobBatch | None" = None) -> str:
        """Stream a file object into the store (bounded memory)."""
        tmpdir = self.blobs / "tmp"
        fd, tmp = tempfile.mkstemp(dir=tmpdir)
        h = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                while block := src.read(chunk):
                    h.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            digest = h.hexdigest()
            if sha is not None and sha != digest:
                raise ArchiveError("blob content does not match its expected hash")
            self._place(tmp, digest, batch)
            return digest
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def blob_batch(self, workers: int = 0) -> "BlobBatch":
        return BlobBatch(self, workers)

    def blob_tmpfile(self):
        """A private, unnamed temp file in blobs/tmp (O_TMPFILE, mode 0600):
        nothing to find while it is written, nothing left after a crash, and
        `BlobBatch.adopt` can give it its blob name without copying it.
        (`tempfile.TemporaryFile` adds O_EXCL, which forbids that.)"""
        tmpdir = self.blobs / "tmp"
        if hasattr(os, "O_TMPFILE"):
            try:
                fd = os.open(tmpdir, os.O_RDWR | os.O_TMPFILE | getattr(os, "O_CLOEXEC", 0), 0o600)
            except OSError:
                pass
            else:
                return os.fdopen(fd, "w+b")
        return tempfile.TemporaryFile(dir=tmpdir)

    def _write_blob(self, sha: str, parts: list[bytes], batch: "BlobBatch | None" = None) -> None:
        if self.blob_path(sha).exists():
            if batch is not None:
                batch.note(sha)
            return
        fd, tmp = tempfile.mkstemp(dir=self.blobs / "tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                for p in parts:
                    out.write(p)
                out.flush()
                os.fsync(out.fileno())
            self._place(tmp, sha, batch)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _place(self, tmp: str, sha: str, batch: "BlobBatch | None" = None) -> None:
        """Name a complete, fsynced temp file as blob `sha`. Its directory is
        fsynced now, or (in a batch) once for the batch by `BlobBatch.sync`."""
        final = self.blob_path(sha)
        if final.exists():
            if batch is not None:
                batch.note(sha)
            return
        self._blob_dir(final.parent, batch)
        os.chmod(tmp, 0o600)
        os.replace(tmp, final)
        if batch is None:
            fsync_dir(final.parent)
        else:
            batch.note(sha)

    def _blob_dir(self, d: Path, batch: "BlobBatch | None") -> None:
        if batch is not None:
            batch._made(d)
        elif self._mkdir(d):
            fsync_dir(d.parent)

    @staticmethod
    def _mkdir(d: Path) -> bool:
        """Create a blob directory; True if this call created it."""
        try:
            d.mkdir()
        except FileExistsError:
            return False
        return True

    def read_blob(self, sha: str) -> bytes:
        try:
            return self.blob_path(sha).read_bytes()
        except FileNotFoundError:
            raise ArchiveError(f"archive is missing blob {sha[:12]}…; run an integrity check") from None

    # -- writing -----------------------------------------------------------

    def save(self, new: NewVersion) -> SaveResult:
        return self.save_many([new])[0]

    def save_many(self, items: list[NewVersion], batch: "BlobBatch | None" = None) -> list[SaveResult]:
        """Store captures in one transaction: all of them, or none. An asset whose
        bytes are None must already be a blob (see `put_blob_file` and
        `BlobBatch`), so large imports never hold every image in memory at once.
        Blobs written through `batch` (or a batch of its own) have their
        directories fsynced once each, before the transaction names them."""
        batch = batch or BlobBatch(self)
        with self._lock(exclusive=False):
            prepared = []
            for new in items:
                html_sha = batch.put(new.html.encode("utf-8"))
                raw_sha = batch.put(new.raw) if new.raw is not None else None
                for asset, data in new.assets:
                    if data is None:  # stored earlier (bundles stream them): checked below
                        continue
                    got = hashlib.sha256(data).hexdigest()
                    if got != asset.sha256:
                        raise ArchiveError(f"asset {asset.name} does not match its hash")
                    batch._run(self._write_blob, got, [data], batch)
                prepared.append((new, html_sha, raw_sha))
            batch._wait()  # the batch's writers are done
            for new in items:
                for asset, data in new.assets:
                    if data is None:
                        if not self.blob_path(asset.sha256).exists():
                            raise ArchiveError(f"asset {asset.name} was not stored")
                        batch.note(asset.sha256)
            batch.sync()  # every blob a row below names is durable first
            results = []
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for new, html_sha, raw_sha in prepared:
                    results.append(self._insert(new, html_sha, raw_sha))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            return results

    def _insert(self, new: NewVersion, html_sha: str, raw_sha: str | None) -> SaveResult:
        aid = article_id(new.url)
        chash = new.content_hash()
        db = self.db
        row = db.execute("SELECT url FROM articles WHERE id = ?", (aid,)).fetchone()
        if row is None:
            db.execute("INSERT INTO articles (id, url, first_captured) VALUES (?, ?, ?)",
                       (aid, new.url, new.captured))
        elif row["url"] != new.url:
            raise ArchiveError(f"article id collision between {row['url']} and {new.url}")
        same = db.execute("SELECT n FROM versions WHERE article_id = ? AND content_hash = ?",
                          (aid, chash)).fetchone()
        if same is not None:
            return SaveResult(aid, same["n"], False)
        n = db.execute("SELECT COALESCE(MAX(n), 0) + 1 FROM versions WHERE article_id = ?",
                       (aid,)).fetchone()[0]
        cur = db.execute(
            "INSERT INTO versions (article_id, n, content_hash, captured, title, byline, published,"
            " modified, lang, site_name, lead_image, text, html_sha, raw_sha)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, n, chash, new.captured, new.title, new.byline, new.published, new.modified,
             new.lang, new.site_name, new.lead_image, new.text, html_sha, raw_sha))
        rowid = cur.lastrowid
        for asset, _ in new.assets:
            db.execute("INSERT OR IGNORE INTO assets (version_rowid, name, sha256, mime, size, source_url)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (rowid, asset.name, asset.sha256, asset.mime, asset.size, asset.source_url))
        db.execute("INSERT INTO fts (rowid, title, byline, text) VALUES (?, ?, ?, ?)",
                   (rowid, new.title or "", new.byline or "", new.text))
        return SaveResult(aid, n, True)

    def remove(self, aid: str) -> None:
        """Delete an article and all its versions; blobs go at the next `gc`."""
        full = self.resolve(aid)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM fts WHERE rowid IN (SELECT rowid FROM versions WHERE article_id = ?)",
                            (full,))
            self.db.execute("DELETE FROM articles WHERE id = ?", (full,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def gc(self) -> tuple[int, int]:
        """Delete blobs no row refers to. Returns (count, bytes)."""
        with self._lock(exclusive=True):
            live: set[str] = set()
            for (sha,) in self.db.execute(
                    "SELECT html_sha FROM versions UNION SELECT raw_sha FROM versions WHERE raw_sha IS NOT NULL"
                    " UNION SELECT sha256 FROM assets"):
                live.add(sha)
            count = size = 0
            for sub in self.blobs.iterdir():
                if sub.name == "tmp":
                    for stale in sub.iterdir():  # left by a killed writer
                        size += stale.stat().st_size
                        stale.unlink()
                        count += 1
                    continue
                if not sub.is_dir():
                    continue
                for f in sub.iterdir():
                    if sub.name + f.name not in live:
                        size += f.stat().st_size
                        f.unlink()
                        count += 1
            return count, size

    # -- reading -----------------------------------------------------------

    def resolve(self, aid: str) -> str:
        """Accept a full id or a unique prefix of at least 4 characters."""
        aid = aid.strip().lower()
        if len(aid) < 4 or not all(c in "0123456789abcdef" for c in aid):
            raise UsageError(f"not an article id: {aid!r}")
        rows = self.db.execute("SELECT id FROM articles WHERE id LIKE ? || '%' LIMIT 2", (aid,)).fetchall()
        if not rows:
            raise NotFound(f"no article {aid} in {self.root}")
        if len(rows) > 1:
            raise UsageError(f"article id {aid} is ambiguous; give more characters")
        return rows[0]["id"]

    # The current version of each article (model.CURRENT_ORDER); one parameter, the cutoff.
    _SUMMARY = (
        "SELECT a.id, a.url, v.title, v.byline, v.published, v.lang, v.site_name, v.captured,"
        " (SELECT COUNT(*) FROM versions WHERE article_id = a.id) AS nversions"
        " FROM articles a JOIN versions v ON v.rowid = (SELECT rowid FROM versions"
        " WHERE article_id = a.id ORDER BY " + CURRENT_ORDER + " LIMIT 1)")

    @staticmethod
    def _summary(r: sqlite3.Row) -> Summary:
        return Summary(r["id"], r["url"], r["title"], r["byline"], r["published"], r["lang"],
                       r["site_name"], r["captured"], r["nversions"])

    def list(self) -> list[Summary]:
        rows = self.db.execute(self._SUMMARY + " ORDER BY v.captured DESC, a.id",
                               (future_cutoff(),)).fetchall()
        return [self._summary(r) for r in rows]

    def ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM articles ORDER BY id")]

    def search(self, query: str) -> list[Summary]:
        if not query.strip():
            raise UsageError("empty search query")
        fts_query = " ".join('"' + term.replace('"', '""') + '"' for term in query.split())
        try:
            rows = self.db.execute(
                self._SUMMARY + " WHERE a.id IN (SELECT v2.article_id FROM fts JOIN versions v2"
                " ON v2.rowid = fts.rowid WHERE fts MATCH ?) ORDER BY v.captured DESC, a.id",
                (future_cutoff(), fts_query)).fetchall()
        except sqlite3.OperationalError as e:
            raise UsageError(f"bad search query: {e}") from None
        return [self._summary(r) for r in rows]

    def get(self, aid: str, version: int | None = None) -> StoredVersion:
        full = self.resolve(aid)
        if version is None:
            # The current version (model.CURRENT_ORDER): an older capture
            # imported from a bundle gets the next number but does not become
            # the current text, nor does one dated in the future.
            row = self.db.execute("SELECT * FROM versions WHERE article_id = ? ORDER BY "
                                  + CURRENT_ORDER + " LIMIT 1", (full, future_cutoff())).fetchone()
        else:
            row = self.db.execute("SELECT * FROM versions WHERE article_id = ? AND n = ?",
                                  (full, version)).fetchone()
            if row is None:
                raise NotFound(f"article {full} has no version {version}")
        return self._stored(row)

    def versions(self, aid: str) -> list[StoredVersion]:
        full = self.resolve(aid)
        rows = self.db.execute("SELECT * FROM versions WHERE article_id = ? ORDER BY n", (full,)).fetchall()
        return [self._stored(r) for r in rows]

    def has_content(self, aid: str, chash: str) -> bool:
        return self.db.execute("SELECT 1 FROM versions WHERE article_id = ? AND content_hash = ?",
                               (aid, chash)).fetchone() is not None

    def _stored(self, row: sqlite3.Row) -> StoredVersion:
        url = self.db.execute("SELECT url FROM articles WHERE id = ?", (row["article_id"],)).fetchone()[0]
        count = self.db.execute("SELECT COUNT(*) FROM versions WHERE article_id = ?",
                                (row["article_id"],)).fetchone()[0]
        assets = [Asset(a["name"], a["sha256"], a["mime"], a["size"], a["source_url"])
                  for a in self.db.execute("SELECT * FROM assets WHERE version_rowid = ? ORDER BY name",
                                           (row["rowid"],))]
        return StoredVersion(
            id=row["article_id"], version=row["n"], url=url, title=row["title"], byline=row["byline"],
            published=row["published"], modified=row["modified"], lang=row["lang"],
            site_name=row["site_name"], lead_image=row["lead_image"], text=row["text"],
            html=self.read_blob(row["html_sha"]).decode("utf-8"), captured=row["captured"],
            content_hash=row["content_hash"], assets=assets, versions=count)

    # -- feeds ---------------------------------------------------------------

    def follow(self, url: str, title: str | None, now: str) -> bool:
        """Remember a feed; False if it was already followed."""
        cur = self.db.execute("INSERT OR IGNORE INTO feeds (url, title, added) VALUES (?, ?, ?)",
                              (url, title, now))
        return cur.rowcount == 1

    def feeds(self) -> list[tuple[str, str | None]]:
        return [(r["url"], r["title"]) for r in self.db.execute("SELECT url, title FROM feeds ORDER BY url")]

    def unseen_entries(self, feed_url: str, links: list[str]) -> list[str]:
        seen = {r[0] for r in self.db.execute("SELECT link FROM feed_entries WHERE feed_url = ?", (feed_url,))}
        out: list[str] = []
        for link in links:
            if link not in seen and link not in out:
                out.append(link)
        return out

    def mark_seen(self, feed_url: str, links: list[str], now: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR IGNORE INTO feed_entries (feed_url, link, seen) VALUES (?, ?, ?)",
                                [(feed_url, link, now) for link in links])
            self.db.execute("UPDATE feeds SET last_checked = ? WHERE url = ?", (now, feed_url))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def integrity(self) -> list[str]:
        """Problems found: SQLite's own check plus rows naming missing blobs."""
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        for (sha,) in self.db.execute(
                "SELECT html_sha FROM versions UNION SELECT raw_sha FROM versions WHERE raw_sha IS NOT NULL"
                " UNION SELECT sha256 FROM assets"):
            if not self.blob_path(sha).exists():
                problems.append(f"missing blob {sha}")
        return problems
