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
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import sqlcipher3

from mirror.errors import ArchiveError, NotFound, UsageError
from mirror.model import (CURRENT_ORDER, META_FIELDS, Asset, Hit, NewVersion, Summary, article_id, json_keys,
                          future_cutoff, meta_of)
from mirror.store.sealing import ArchiveKeys, sqlcipher_key

if TYPE_CHECKING:
    from mirror.store import search as fts

# The versions table has one column per metadata field, named as the field.
_META_COLS = ", ".join(META_FIELDS)

SCHEMA_VERSION = 5

# The search index (migration 3): one row per version (rowid = the version's
# rowid), its columns the tokens `search.index_text` makes, split by FTS5's
# `ascii` tokenizer on spaces only. Contentless: the text is stored once, in
# `versions`; snippets are made from there. `search_langs` names the stemmers
# the archive's articles were indexed with, so a query tries those stems.
SEARCH_COLUMNS = ("title", "byline", "body")
SEARCH_WEIGHTS = (10.0, 2.0, 1.0)  # bm25: a word in the title counts ten times one in the text

_SEARCH_SCHEMA = (
    "CREATE VIRTUAL TABLE search USING fts5(title, byline, body, tokenize = 'ascii',"
    " content = '', contentless_delete = 1)",
    "CREATE TABLE search_langs (algorithm TEXT PRIMARY KEY)",
)


def _index_row(db: sqlcipher3.Connection, rowid: int, title: str | None, byline: str | None,
               text: str, lang: str | None) -> None:
    from mirror.store import search as fts  # tokenizing: only commands that store or search load it

    db.execute("INSERT INTO search (rowid, title, byline, body) VALUES (?, ?, ?, ?)",
               (rowid, fts.index_text(title, lang), fts.index_text(byline, lang), fts.index_text(text, lang)))
    algorithm = fts.stemmer_for(lang)
    if algorithm is not None:
        db.execute("INSERT OR IGNORE INTO search_langs (algorithm) VALUES (?)", (algorithm,))


def _migrate_search(db: sqlcipher3.Connection) -> None:
    """3: the index of folded, stemmed, bigrammed tokens replaces the plain
    FTS table (which kept a second copy of every text), built from every
    stored version."""
    db.execute("DROP TABLE IF EXISTS fts")
    for statement in _SEARCH_SCHEMA:
        db.execute(statement)
    last = 0
    while True:
        rows = db.execute("SELECT rowid, title, byline, text, lang FROM versions WHERE rowid > ?"
                          " ORDER BY rowid LIMIT 500", (last,)).fetchall()
        if not rows:
            return
        for r in rows:
            _index_row(db, r[0], r[1], r[2], r[3], r[4])
        last = rows[-1][0]


# Each entry migrates from version i to i + 1 (index 0 creates version 1):
# a script, or a function run inside the step's transaction.
MIGRATIONS: list[str | Callable[[sqlcipher3.Connection], None]] = [
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
    _migrate_search,
    # 4: `ls` walks versions newest first (its order) instead of sorting them all.
    "CREATE INDEX versions_captured ON versions(captured DESC, article_id);",
    # 5: whether a row names a blob (the sweep after a killed import asks per blob).
    "CREATE INDEX versions_html ON versions(html_sha); CREATE INDEX versions_raw ON versions(raw_sha);",
]

Row = sqlcipher3.Row
_CHUNK = 500  # ids per statement: far below SQLite's limit on parameters
DatabaseError = sqlcipher3.DatabaseError
Connection = sqlcipher3.Connection


def _asset(row: Row) -> Asset:
    return Asset(row["name"], row["sha256"], row["mime"], row["size"], row["source_url"])


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


def _json_object(columns: dict[str, str], keys: Sequence[str]) -> str:
    """SQL making a JSON object of `keys`, each the value of its column."""
    return "json_object(" + ", ".join(f"'{k}', {columns[k]}" for k in keys) + ")"


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
        with self._mapped():
            return self.db.execute(sql, params)

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[sqlcipher3.Row]:
        """The rows of one query as SQLite steps to them (a cursor reads
        lazily), errors mapped as in `q`: memory stays flat at any size."""
        with self._mapped():
            for row in self.db.execute(sql, params):  # not `yield from`: closing that closes the cursor,
                yield row                              # which fails once the archive is closed

    @contextlib.contextmanager
    def _mapped(self) -> Iterator[None]:
        try:
            yield
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
            step = MIGRATIONS[i]
            try:
                if isinstance(step, str):
                    self.db.executescript(f"BEGIN IMMEDIATE;\n{step}\nPRAGMA user_version = {i + 1};\nCOMMIT;")
                else:
                    self.db.execute("BEGIN IMMEDIATE")
                    step(self.db)
                    self.db.execute(f"PRAGMA user_version = {i + 1}")
                    self.db.execute("COMMIT")
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
            "INSERT INTO versions (article_id, n, content_hash, captured, " + _META_COLS
            + ", text, html_sha, raw_sha) VALUES (" + ", ".join("?" * (7 + len(META_FIELDS))) + ")",
            (aid, n, chash, new.captured, *meta_of(new).values(), new.text, html_sha, raw_sha))
        rowid = cur.lastrowid
        assert rowid is not None  # an INSERT sets it
        for asset, _ in new.assets:
            self.q("INSERT OR IGNORE INTO assets (version_rowid, name, sha256, mime, size, source_url)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   (rowid, asset.name, asset.sha256, asset.mime, asset.size, asset.source_url))
        try:
            _index_row(self.db, rowid, new.title, new.byline, new.text, new.lang)
        except sqlcipher3.DatabaseError as e:
            raise ArchiveError(f"{self.where}: the archive catalogue is damaged ({e})") from None
        return aid, n, True

    def delete_article(self, aid: str) -> None:
        self.q("DELETE FROM search WHERE rowid IN (SELECT rowid FROM versions WHERE article_id = ?)", (aid,))
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
    _NVERSIONS = "(SELECT COUNT(*) FROM versions WHERE article_id = a.id)"
    _SUMMARY_COLS = (
        "SELECT a.id, a.url, " + ", ".join("v." + k for k in META_FIELDS) + ", v.captured, "
        + _NVERSIONS + " AS nversions")
    _CURRENT = ("JOIN versions v ON v.rowid = (SELECT rowid FROM versions"
                " WHERE article_id = a.id ORDER BY " + CURRENT_ORDER + " LIMIT 1)")
    _SUMMARY = _SUMMARY_COLS + " FROM articles a " + _CURRENT

    @staticmethod
    def _summary(r: sqlcipher3.Row) -> Summary:
        return Summary(id=r["id"], url=r["url"], captured=r["captured"], versions=r["nversions"],
                       **{k: r[k] for k in META_FIELDS})

    # Every article at its current version, newest capture first: a walk of
    # the versions_captured index keeping each article's current version, so
    # rows come out in order with no sort (and --offset skips without sorting).
    # Parameters: the cutoff, the limit (-1: none), the offset.
    _LIST_FROM = (" FROM versions v JOIN articles a ON a.id = v.article_id"
                  " WHERE v.rowid = (SELECT rowid FROM versions WHERE article_id = v.article_id"
                  " ORDER BY " + CURRENT_ORDER + " LIMIT 1)"
                  " ORDER BY v.captured DESC, v.article_id LIMIT ? OFFSET ?")
    _LIST = _SUMMARY_COLS + _LIST_FROM

    def summaries(self, limit: int | None = None, offset: int = 0) -> Iterator[Summary]:
        params = (future_cutoff(), -1 if limit is None else limit, offset)
        return (self._summary(r) for r in self.stream(self._LIST, params))

    # The same rows as `Summary.to_json` objects, built by SQLite's json_object
    # (its keys in `json_keys` order, each from the column `_summary` reads):
    # `ls --json` then costs no Python object per row.
    _JSON_COLS = {"id": "a.id", "url": "a.url", "captured": "v.captured", "versions": _NVERSIONS,
                  **{k: "v." + k for k in META_FIELDS}}
    _LIST_JSON = "SELECT " + _json_object(_JSON_COLS, json_keys(Summary, Summary.JSON_FIRST)) + _LIST_FROM

    def summaries_json(self, limit: int | None = None, offset: int = 0) -> Iterator[str]:
        params = (future_cutoff(), -1 if limit is None else limit, offset)
        return (r[0] for r in self.stream(self._LIST_JSON, params))

    def ids(self) -> list[str]:
        return [r[0] for r in self.q("SELECT id FROM articles ORDER BY id")]

    # Articles by relevance: the best bm25 among their versions (any version
    # may hold the words), the newest matching capture first among equals,
    # then the id: a total order, so --offset pages neither repeat nor skip.
    # The page is cut before the articles' current versions are read.
    # Parameters: the MATCH expression, the limit, the offset, the cutoff.
    # Every matching row with its bm25 score (SEARCH_WEIGHTS); one parameter, the MATCH expression.
    _RANKED = ("SELECT rowid, rank AS score FROM search WHERE search MATCH ?"
               " AND rank MATCH 'bm25(" + ", ".join(map(str, SEARCH_WEIGHTS)) + ")'")
    _SEARCH = (
        "WITH hits AS (SELECT v2.article_id AS aid, MIN(h.score) AS score, MAX(v2.captured) AS newest FROM"
        " (" + _RANKED + ") h"
        " JOIN versions v2 ON v2.rowid = h.rowid"
        " GROUP BY v2.article_id ORDER BY score, newest DESC, aid LIMIT ? OFFSET ?) "
        + _SUMMARY_COLS + ", v.text FROM hits JOIN articles a ON a.id = hits.aid " + _CURRENT
        + " ORDER BY hits.score, hits.newest DESC, hits.aid")

    # The shortcut for a page of hits: FTS5's best `?` rows (a top-k heap,
    # not a sort of every match) with their articles; `_page` decides whether
    # they settle the page. Parameters: the MATCH expression, the row count.
    _TOP = ("SELECT h.rowid, h.score, v.article_id AS aid, v.captured FROM"
            " (" + _RANKED + " ORDER BY rank LIMIT ?) h JOIN versions v ON v.rowid = h.rowid")
    _HIT = _SUMMARY_COLS + ", v.text FROM articles a " + _CURRENT + " WHERE a.id = ?"

    def _page(self, expr: str, limit: int, offset: int) -> list[str] | None:
        """The ids of hits offset..offset+limit in `_SEARCH`'s order, from the
        top rows only; None when those rows cannot settle it (then `_SEARCH`
        ranks every match). An article's score is its best row's, so every
        article scoring at most the page's last score is among the top rows
        once a row beyond them scores worse; `newest` counts all its matching
        versions, so those outside the top rows are asked for by rowid."""
        need = offset + limit
        batch = max(64, 4 * need)
        rows = self.db.execute(self._TOP, (expr, batch)).fetchall()
        best: dict[str, float] = {}
        newest: dict[str, str] = {}
        seen: set[int] = set()
        for r in rows:
            aid = r["aid"]
            best[aid] = min(best.get(aid, r["score"]), r["score"])
            newest[aid] = max(newest.get(aid, r["captured"]), r["captured"])
            seen.add(r["rowid"])
        if len(rows) == batch:  # more matches than fetched
            scores = sorted(best.values())
            if len(scores) < need or not scores[need - 1] < max(r["score"] for r in rows):
                return None
            cut = scores[need - 1]
            best = {a: sc for a, sc in best.items() if sc <= cut}
            for aid in best:
                for v in self.db.execute("SELECT rowid, captured FROM versions WHERE article_id = ?", (aid,)):
                    if v["rowid"] not in seen and v["captured"] > newest[aid] and self.db.execute(
                            "SELECT 1 FROM search WHERE search MATCH ? AND rowid = ?", (expr, v["rowid"])).fetchone():
                        newest[aid] = v["captured"]
        order = sorted(best)  # id ascending, then newest first, then score: each sort keeps the last one's order
        order.sort(key=newest.__getitem__, reverse=True)
        order.sort(key=best.__getitem__)
        return order[offset:need]

    def search(self, query: str, limit: int | None = None, offset: int = 0) -> Iterator[Hit]:
        """Articles matching `query` (the language of mirror.store.search),
        most relevant first, each with a snippet of its current text. The
        query is checked at once; hits are read as the caller iterates."""
        from mirror.store import search as fts

        node = fts.parse(query)
        algorithms = [r[0] for r in self.q("SELECT algorithm FROM search_langs ORDER BY algorithm")]
        expr = fts.to_fts(node, algorithms)
        terms = fts.positive_terms(node)
        try:
            page = None if limit is None else self._page(expr, limit, offset)
            rows: Iterable[sqlcipher3.Row]
            if page is None:
                rows = self.db.execute(self._SEARCH, (expr, -1 if limit is None else limit, offset, future_cutoff()))
            else:
                cutoff = future_cutoff()
                found = (self.db.execute(self._HIT, (cutoff, aid)).fetchone() for aid in page)
                rows = (r for r in found if r is not None)  # None: removed by another process meanwhile
        except sqlcipher3.OperationalError as e:
            raise UsageError(f"bad search query: {e}") from None
        except sqlcipher3.DatabaseError as e:
            raise ArchiveError(f"{self.where}: the archive catalogue is damaged ({e})") from None
        return self._hits(rows, terms)

    def _hits(self, rows: Iterable[sqlcipher3.Row], terms: list[fts.Term]) -> Iterator[Hit]:
        from mirror.store import search as fts

        with self._mapped():
            for r in rows:
                text = r["text"].translate(fts.UNMARK)
                snip = fts.snippet(text, terms, fts.stemmer_for(r["lang"]), mark=fts.MARK)
                yield Hit(**vars(self._summary(r)), snippet=snip)

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

    def versions_of(self, ids: list[str], text: bool = True) -> Iterator[tuple[str, list[Row], dict[int, list[Asset]]]]:
        """`version_rows`, `url_of` (as column `url`) and `assets_of` of many
        articles in a few statements per chunk of ids, not five per article
        (an export of 10,000 spent a tenth of its time there). Yields
        (id, rows, assets by version rowid) in the order of `ids`, for the
        ids that are articles' full ids; `text=False` leaves that column out."""
        cols = "v.*" if text else "v.rowid, " + ", ".join(
            "v." + c for c in ("article_id", "n", "content_hash", "captured", *META_FIELDS, "html_sha", "raw_sha"))
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows: dict[str, list[Row]] = {}
            for r in self.q(f"SELECT {cols}, a.url AS url FROM versions v JOIN articles a ON a.id = v.article_id"
                            f" WHERE v.article_id IN ({marks}) ORDER BY v.article_id, v.n", chunk):
                rows.setdefault(r["article_id"], []).append(r)
            assets: dict[int, list[Asset]] = {}
            for a in self.q("SELECT * FROM assets WHERE version_rowid IN (SELECT rowid FROM versions WHERE"
                            f" article_id IN ({marks})) ORDER BY version_rowid, name", chunk):
                assets.setdefault(a["version_rowid"], []).append(_asset(a))
            for aid in chunk:
                if aid in rows:
                    yield aid, rows[aid], assets

    def url_of(self, aid: str) -> str:
        return str(self.q("SELECT url FROM articles WHERE id = ?", (aid,)).fetchone()[0])

    def version_count(self, aid: str) -> int:
        return int(self.q("SELECT COUNT(*) FROM versions WHERE article_id = ?", (aid,)).fetchone()[0])

    def assets_of(self, version_rowid: int) -> list[Asset]:
        return [_asset(a) for a in self.q("SELECT * FROM assets WHERE version_rowid = ? ORDER BY name",
                                          (version_rowid,))]

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
