"""Rendered reader pages, kept by what they are rendered from.

Rendering (parse, sanitise, template) is most of what `pack` and
`export-site` spend per article, and it is deterministic: the same
article.json, rendered by the same code and libraries, gives the same page,
which is what makes bundles byte-identical. So a page is rendered once and
stored; later packs and exports take the stored bytes.

A page is kept with its images as placeholders (`site.article_files` puts
them in afterwards), so the cache holds no second copy of any image. The
key is SHA-256 of the renderer's fingerprint (the source of the modules
that render and the versions of the libraries they call) and the exact
article.json bytes the bundle carries: a change to either is a miss, never
a stale page.

It also keeps the verdict of `site.renders` (whether stored HTML goes
through the renderer) by the same fingerprint and the HTML's hash: a pack
asks it of every article before it renders any, to settle the index.

The pages are blobs of the archive, stored and read through its public API
(so whatever protects blobs protects them: sealed in an encrypted archive);
the key -> blob index is a side database of the archive's, `cache/pages`
(`Archive.side_database`: SQLCipher under a key of its own in an encrypted
archive, so it tells whoever holds the disk nothing), which can be deleted
at any time. A blob read back is checked
against its hash, so a missing or damaged one (`gc` removes pages no row
names) is a miss. The cache never makes a command fail: if it cannot be
written (a read-only archive), pages are rendered as before.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import importlib.metadata
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import mirror

if TYPE_CHECKING:
    from mirror.render.nav import Link, Nav
    from mirror.store import Archive
    from mirror.store.blobs import BlobBatch

FORMAT = b"mirror-page-cache 1 "
# What a page depends on besides its article.json.
# Everything a page's bytes depend on: every file of the renderer and of its
# message catalogues, and the modules it calls. A change to any of them is a new
# renderer, so every cached page is rendered again.
SOURCES = ("render/**/*", "locale/**/*", "sanitize.py", "imagerule.py", "assets.py", "imageinfo.py",
           "urls.py", "tracking.py", "bundle/site.py", "bundle/pagecache.py")
LIBRARIES = ("beautifulsoup4", "nh3", "lxml")


@lru_cache(maxsize=1)
def fingerprint() -> bytes:
    h = hashlib.sha256(FORMAT)
    root = Path(mirror.__file__).parent
    for pattern in SOURCES:
        for path in sorted(p for p in root.glob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    for lib in LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            h.update(f"{lib}={importlib.metadata.version(lib)}\0".encode())
    return h.digest()


def key(article_json_sha: str, nav: Nav | None = None) -> str:
    """The cache key of an article page: the renderer, the article (the
    SHA-256 of the exact article.json bytes, which the manifest lists too),
    and the links the page carries (its neighbours in the index, the
    versions page)."""
    return hashlib.sha256(fingerprint() + b"page\0" + article_json_sha.encode("ascii") + b"\0"
                          + _links(nav)).hexdigest()


def _links(nav: Nav | None) -> bytes:
    """The links a page carries, as part of its cache key."""
    return json.dumps(_plain(nav), sort_keys=True).encode("utf-8")


def _plain(value: Nav | Link | str | None) -> object:
    """`dataclasses.asdict` of a Nav (None stays None), without its deep
    copies: its fields are strings, None and Links."""
    if value is None or isinstance(value, str):
        return value
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    return {k: _plain(getattr(value, k)) for k in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def versions_key(version_shas: list[str], nav: Nav) -> str:
    """The cache key of a versions page: the renderer, every version's
    article.json (its SHA-256; oldest first) and the page's links."""
    h = hashlib.sha256(fingerprint() + b"versions\0")
    for sha in version_shas:
        h.update(bytes.fromhex(sha))
    return hashlib.sha256(h.digest() + _links(nav)).hexdigest()


def _blob_verdict_key(html_sha: str) -> str:
    return hashlib.sha256(fingerprint() + b"renders-blob\0" + html_sha.encode("ascii")).hexdigest()


# Entries (pages and verdicts) held before they are written to the index: a
# pack or an import of 100,000 articles holds a few thousand, not 200,000
# (two dicts of them once cost a cold pack or an unpack at 100k ~20 MiB).
FLUSH = 4096


class PageCache:
    """Use as a context manager around a pack or export: new pages are
    stored as they are rendered and indexed in batches of `FLUSH`, each once
    its blobs are whole, the rest when it ends."""

    def __init__(self, ar: Archive) -> None:
        self.ar = ar
        self._db: sqlite3.Connection | None = None
        self._batch: BlobBatch | None = None
        self._new: dict[str, str] = {}  # key -> blob sha, indexed on close
        self._verdicts: dict[str, str | None] = {}  # key -> why it does not render, stored on close
        self.hits = self.misses = 0
        try:
            self._db = ar.side_database("pages")
            self._db.execute("CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, sha TEXT NOT NULL)"
                             " WITHOUT ROWID")
            self._db.execute("CREATE TABLE IF NOT EXISTS renders (key TEXT PRIMARY KEY, why TEXT) WITHOUT ROWID")
        except Exception:  # noqa: BLE001 - no cache (unwritable, damaged), not an error
            self._db = None

    def __enter__(self) -> "PageCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # the pages stored are right even if the pack failed

    def get(self, k: str) -> tuple[str, bytes] | None:
        """(nonce, page with placeholders, UTF-8) stored under key `k`, or None."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT sha FROM pages WHERE key = ?", (k,)).fetchone()
            data = self.ar.read_blob(row[0]) if row else None
        except Exception:  # noqa: BLE001 - a missing blob or index is a miss
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != row[0] or not data.startswith(FORMAT):
            self.misses += 1
            return None
        head, _, page = data[len(FORMAT):].partition(b"\n")
        self.hits += 1
        return head.decode("ascii"), page

    def _verdict(self, k: str) -> tuple[str | None] | None:
        """The verdict stored under `k` (as a 1-tuple: its why, None if the
        HTML renders), or None if there is none (a damaged index is a miss)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT why FROM renders WHERE key = ?", (k,)).fetchone()
        except Exception:  # noqa: BLE001 - see the module's docstring
            return None
        if row is None:
            return None
        return (None if row[0] is None else str(row[0]),)

    def renders(self, html: str, judge: Callable[[str], str | None]) -> str | None:
        """`judge(html)` (`site.renders`, given by the caller: site uses this
        module), from the cache when this renderer judged the same HTML before
        (parsing it is most of what planning a pack costs)."""
        k = hashlib.sha256(fingerprint() + b"renders\0" + html.encode("utf-8")).hexdigest()
        if (known := self._verdict(k)) is not None:
            return known[0]
        why = self._verdicts[k] = judge(html)
        self._flush_if_full()
        return why

    def renders_stored(self, html_sha: str, html: Callable[[], str], judge: Callable[[str], str | None]) -> str | None:
        """`renders` of the HTML stored as blob `html_sha` (`html()` reads
        it), known by that name once judged, so a pack's plan reads no blob
        when the verdicts are cached (a verdict kept under the HTML itself, by
        an earlier mirror, is found by reading it once)."""
        k = _blob_verdict_key(html_sha)
        if (known := self._verdict(k)) is not None:
            return known[0]
        why = self._verdicts[k] = self.renders(html(), judge)
        self._flush_if_full()
        return why

    def note_renders(self, html_shas: Iterable[str]) -> None:
        """Record that the HTML stored as each blob renders: `unpack` has just
        judged every capture it imports with `site.renders`, so the first pack
        after it need not parse them all again."""
        for sha in html_shas:
            self._verdicts[_blob_verdict_key(sha)] = None
            self._flush_if_full()

    def put(self, k: str, nonce: str, page: bytes) -> None:
        """Store `page` (UTF-8) under key `k`."""
        if self._db is None:
            return
        data = FORMAT + nonce.encode("ascii") + b"\n" + page
        try:
            if self._batch is None:
                self._batch = self.ar.blob_batch(workers=2)
            self._new[k] = self._batch.put(data)
        except Exception:  # noqa: BLE001 - see the module's docstring
            self._new.clear()
            self._db = None
        self._flush_if_full()

    def _flush_if_full(self) -> None:
        if len(self._new) + len(self._verdicts) >= FLUSH:
            self.flush()

    def flush(self) -> None:
        """Index what is held: the pages once their blobs are synced (only
        whole blobs get a key), and the verdicts. If the index cannot be
        written, there is no cache from then on (never an error)."""
        try:
            if self._batch is not None and self._new:
                self._batch.sync()
            if self._db is not None and (self._new or self._verdicts):
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)", self._new.items())
                self._db.executemany("INSERT OR REPLACE INTO renders VALUES (?, ?)", self._verdicts.items())
                self._db.execute("COMMIT")
        except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache
            if self._db is not None:
                with contextlib.suppress(Exception):
                    self._db.close()
            self._db = None
        finally:
            self._new.clear()
            self._verdicts.clear()

    def close(self) -> None:
        """Wait for the blobs, then index what is held (`flush`)."""
        try:
            self.flush()
            if self._batch is not None:
                self._batch.__exit__(None, None, None)
        except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache
            pass
        finally:
            self._batch = None
            if self._db is not None:
                self._db.close()
                self._db = None
