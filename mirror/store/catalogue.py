"""The catalogue: the SQLite database of articles, versions, assets, the
full-text index and followed feeds. In an encrypted archive it is a
SQLCipher 4 database (every page, the WAL and the FTS index included,
encrypted and authenticated page by page); in a plaintext one a plain
SQLite file. One driver (`sqlcipher3`) serves both, so both run the same
SQLite.

Rows change only inside `transaction()` (WAL, synchronous=FULL). A query
that hits a damaged page raises ArchiveError naming the catalogue; other
pages stay readable.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

import sqlcipher3

from mirror.errors import ArchiveError, NotFound, UsageError
from mirror.model import CURRENT_ORDER, Asset, NewVersion, Summary, article_id, future_cutoff
from mirror.store.sealing import ArchiveKeys, sqlcipher_key

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

Row = sqlcipher3.Row
DatabaseError = sqlcipher3.DatabaseError
Connection = sqlcipher3.Connection


def connect(path: Path, keys: ArchiveKeys | bytes | None) -> sqlcipher3.Connection:
    """Open (or create) the catalogue file (or a side database of the
    archive's); with `keys` (the archive's, or a raw 32-byte key), as
    SQLCipher. Raises ArchiveError if the file is not a catalogue or not
    this key's."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # SQLite would create it 0644 (and its WAL alike)
        db = sqlcipher3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    except (OSError, sqlcipher3.DatabaseError) as e:
        raise ArchiveError(f"cannot open the archive catalogue {path}: {e}") from None
    try:
        db.execute("PRAGMA cipher_log_level = NONE")  # SQLCipher logs to stderr otherwise
        if keys is not None:
            db.execute(f"PRAGMA key = {keys.sqlcipher_key() if isinstance(keys, ArchiveKeys) else sqlcipher_key(keys)}")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads (and authenticates) page 1
        db.row_factory = sqlcipher3.Row
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA temp_store = MEMORY")  # sorts and temp indexes never reach the disk
    except sqlcipher3.DatabaseError as e:
        db.close()
        raise ArchiveError(f"the archive's catalogue {path} is damaged or is not a catalogue ({e})") from None
    return db


class Catalogue:
    """Rows of one archive. Every method is one query or one transaction."""

    def __init__(self, db: sqlcipher3.Connection, where: str):
        self.db = db
        self.where = where  # the archive, for messages

    def close(self) -> None:
        self.db.close()

    # -- plumbing ------------------------------------------------------------

    def q(self, sql: str, params: Sequence[Any] = ()) -> sqlcipher3.Cursor:
        """Run one statement; damage and lock time-outs become one-line errors."""
        try:
            return self.db.execute(sql, params)
        except sqlcipher3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise ArchiveError(f"{self.where}: the archive is busy (another mirror holds it)") from None
            raise
        except sqlcipher3.DatabaseError as e:
            raise ArchiveError(f"{self.where}: the archive catalogue is damaged ({e}); "
                               "other articles may still be readable") from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        self.q("BEGIN IMMEDIATE")
        try:
            yield
            self.q("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        return int(self.q("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the schema to SCHEMA_VERSION, each step in its own transaction
        (the caller holds the archive's exclusive lock)."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise ArchiveError(
                f"{self.where}: archive schema version {current} is newer than this mirror "
                f"understands ({SCHEMA_VERSION}); upgrade mirror")
        for i in range(current, SCHEMA_VERSION):
            try:
                self.db.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[i]}\nPRAGMA user_version = {i + 1};\nCOMMIT;")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    def integrity(self) -> list[str]:
        return [r[0] for r in self.q("PRAGMA integrity_check") if r[0] != "ok"]

    # -- writing (inside a transaction) --------------------------------------

    def insert(self, new: NewVersion, html_sha: str, raw_sha: str | None) -> tuple[str, int, bool]:
        """Add a capture; (article id, version number, created). The same
        content already stored is not added again."""
        aid = article_id(new.url)
        chash = new.content_hash()
        row = self.q("SELECT url FROM articles WHERE id = ?", (aid,)).fetchone()
        if row is None:
            self.q("INSERT INTO articles (id, url, first_captured) VALUES (?, ?, ?)",
                   (aid, new.url, new.captured))
        elif row["url"] != new.url:
            raise ArchiveError(f"article id collision between {row['url']} and {new.url}")
        same = self.q("SELECT n FROM versions WHERE article_id = ? AND content_hash = ?",
                      (aid, chash)).fetchone()
        if same is not None:
            return aid, same["n"], False
        n = self.q("SELECT COALESCE(MAX(n), 0) + 1 FROM versions WHERE article_id = ?", (aid,)).fetchone()[0]
        cur = self.q(
            "INSERT INTO versions (article_id, n, content_hash, captured, title, byline, published,"
            " modified, lang, site_name, lead_image, text, html_sha, raw_sha)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, n, chash, new.captured, new.title, new.byline, new.published, new.modified,
             new.lang, new.site_name, new.lead_image, new.text, html_sha, raw_sha))
        rowid = cur.lastrowid
        for asset, _ in new.assets:
            self.q("INSERT OR IGNORE INTO assets (version_rowid, name, sha256, mime, size, source_url)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   (rowid, asset.name, asset.sha256, asset.mime, asset.size, asset.source_url))
        self.q("INSERT INTO fts (rowid, title, byline, text) VALUES (?, ?, ?, ?)",
               (rowid, new.title or "", new.byline or "", new.text))
        return aid, n, True

    def delete_article(self, aid: str) -> None:
        self.q("DELETE FROM fts WHERE rowid IN (SELECT rowid FROM versions WHERE article_id = ?)", (aid,))
        self.q("DELETE FROM articles WHERE id = ?", (aid,))

    # -- blobs the rows name --------------------------------------------------

    _LIVE = ("SELECT html_sha FROM versions UNION SELECT raw_sha FROM versions WHERE raw_sha IS NOT NULL"
             " UNION SELECT sha256 FROM assets")

    def live_blobs(self) -> set[str]:
        return {r[0] for r in self.q(self._LIVE)}

    def names_blob(self, sha: str) -> bool:
        row = self.q("SELECT 1 FROM versions WHERE html_sha = ? OR raw_sha = ?"
                     " UNION ALL SELECT 1 FROM assets WHERE sha256 = ? LIMIT 1", (sha, sha, sha)).fetchone()
        return row is not None

    # -- reading -------------------------------------------------------------

    def resolve(self, aid: str) -> str:
        """Accept a full id or a unique prefix of at least 4 characters."""
        aid = aid.strip().lower()
        if len(aid) < 4 or not all(c in "0123456789abcdef" for c in aid):
            raise UsageError(f"not an article id: {aid!r}")
        if len(aid) == 16 and self.q("SELECT 1 FROM articles WHERE id = ?", (aid,)).fetchone():
            return aid  # the common case, an exact id: one index lookup
        # A prefix: a range on the primary key (indexed), not LIKE (a scan).
        rows = self.q("SELECT id FROM articles WHERE id >= ? AND id < ? LIMIT 2",
                      (aid, aid + "g")).fetchall()
        if not rows:
            raise NotFound(f"no article {aid} in {self.where}")
        if len(rows) > 1:
            raise UsageError(f"article id {aid} is ambiguous; give more characters")
        return str(rows[0]["id"])

    # The current version of each article (model.CURRENT_ORDER); one parameter, the cutoff.
    _SUMMARY = (
        "SELECT a.id, a.url, v.title, v.byline, v.published, v.lang, v.site_name, v.captured,"
        " (SELECT COUNT(*) FROM versions WHERE article_id = a.id) AS nversions"
        " FROM articles a JOIN versions v ON v.rowid = (SELECT rowid FROM versions"
        " WHERE article_id = a.id ORDER BY " + CURRENT_ORDER + " LIMIT 1)")

    @staticmethod
    def _summary(r: sqlcipher3.Row) -> Summary:
        return Summary(r["id"], r["url"], r["title"], r["byline"], r["published"], r["lang"],
                       r["site_name"], r["captured"], r["nversions"])

    def summaries(self) -> list[Summary]:
        rows = self.q(self._SUMMARY + " ORDER BY v.captured DESC, a.id", (future_cutoff(),)).fetchall()
        return [self._summary(r) for r in rows]

    def ids(self) -> list[str]:
        return [r[0] for r in self.q("SELECT id FROM articles ORDER BY id")]

    def search(self, query: str) -> list[Summary]:
        if not query.strip():
            raise UsageError("empty search query")
        fts_query = " ".join('"' + term.replace('"', '""') + '"' for term in query.split())
        try:
            rows = self.db.execute(
                self._SUMMARY + " WHERE a.id IN (SELECT v2.article_id FROM fts JOIN versions v2"
                " ON v2.rowid = fts.rowid WHERE fts MATCH ?) ORDER BY v.captured DESC, a.id",
                (future_cutoff(), fts_query)).fetchall()
        except sqlcipher3.OperationalError as e:
            raise UsageError(f"bad search query: {e}") from None
        except sqlcipher3.DatabaseError as e:
            raise ArchiveError(f"{self.where}: the archive catalogue is damaged ({e})") from None
        return [self._summary(r) for r in rows]

    def version_row(self, aid: str, version: int | None) -> sqlcipher3.Row | None:
        row: sqlcipher3.Row | None
        if version is None:
            # The current version (model.CURRENT_ORDER): an older capture
            # imported from a bundle gets the next number but does not become
            # the current text, nor does one dated in the future.
            row = self.q("SELECT * FROM versions WHERE article_id = ? ORDER BY " + CURRENT_ORDER + " LIMIT 1",
                         (aid, future_cutoff())).fetchone()
        else:
            row = self.q("SELECT * FROM versions WHERE article_id = ? AND n = ?", (aid, version)).fetchone()
        return row

    def raw_sha(self, aid: str, version: int) -> str | None:
        row = self.q("SELECT raw_sha FROM versions WHERE article_id = ? AND n = ?", (aid, version)).fetchone()
        return row[0] if row else None

    def version_rows(self, aid: str) -> list[sqlcipher3.Row]:
        return self.q("SELECT * FROM versions WHERE article_id = ? ORDER BY n", (aid,)).fetchall()

    def url_of(self, aid: str) -> str:
        return str(self.q("SELECT url FROM articles WHERE id = ?", (aid,)).fetchone()[0])

    def version_count(self, aid: str) -> int:
        return int(self.q("SELECT COUNT(*) FROM versions WHERE article_id = ?", (aid,)).fetchone()[0])

    def assets_of(self, version_rowid: int) -> list[Asset]:
        return [Asset(a["name"], a["sha256"], a["mime"], a["size"], a["source_url"])
                for a in self.q("SELECT * FROM assets WHERE version_rowid = ? ORDER BY name", (version_rowid,))]

    def has_content(self, aid: str, chash: str) -> bool:
        return self.q("SELECT 1 FROM versions WHERE article_id = ? AND content_hash = ?",
                      (aid, chash)).fetchone() is not None

    # -- feeds ---------------------------------------------------------------

    def follow(self, url: str, title: str | None, now: str) -> bool:
        cur = self.q("INSERT OR IGNORE INTO feeds (url, title, added) VALUES (?, ?, ?)", (url, title, now))
        return cur.rowcount == 1

    def feeds(self) -> list[tuple[str, str | None]]:
        return [(r["url"], r["title"]) for r in self.q("SELECT url, title FROM feeds ORDER BY url")]

    def seen_links(self, feed_url: str) -> set[str]:
        return {r[0] for r in self.q("SELECT link FROM feed_entries WHERE feed_url = ?", (feed_url,))}

    def mark_seen(self, feed_url: str, links: list[str], now: str) -> None:
        with self.transaction():
            self.db.executemany("INSERT OR IGNORE INTO feed_entries (feed_url, link, seen) VALUES (?, ?, ?)",
                                [(feed_url, link, now) for link in links])
            self.q("UPDATE feeds SET last_checked = ? WHERE url = ?", (now, feed_url))
