"""An open archive: its catalogue (`catalogue`), its blob store (`blobs`),
the lock between processes, and the entry points the commands use.

Two layouts, told apart by the files on disk:

    encrypted   keys/ (key slots), catalogue (SQLCipher), objects/ (sealed blobs)
    plaintext   archive.sqlite3 (SQLite), blobs/ (plain blobs)

An archive is encrypted exactly when keys/ exists; that directory is renamed
into place last, so it is the commit point of `create` and of `encrypt`
(`convert`). Whatever an interrupted create or encrypt left beside a
complete archive is removed at the next open.

Crash safety rests on two rules: a blob is durable before any row names it,
and rows change only inside one transaction. `gc` takes an exclusive lock so
it never deletes a blob a concurrent writer has stored but not yet linked.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator

from mirror.crypto import age
from mirror.crypto.age.source import Readable
from mirror.errors import ArchiveError, NotFound, WrongKey
from mirror.fsutil import fsync_dir
from mirror.model import META_FIELDS, Asset, Hit, NewVersion, SaveResult, StoredVersion, Summary, VersionHead
from mirror.store import catalogue as cat
from mirror.store import orphans
from mirror.store.blobs import BlobBatch, BlobStore
from mirror.store.catalogue import Catalogue
from mirror.store.sealing import MASTER_KEY_SIZE, ArchiveKeys
from mirror.store.unlock import Unlock

if TYPE_CHECKING:
    from mirror.store import slots
    from mirror.store.importer import Importer, Stash

DB_NAME = "archive.sqlite3"  # plaintext layout
PLAIN_BLOBS = "blobs"
CATALOGUE = "catalogue"  # encrypted layout
SEALED_BLOBS = "objects"
KEYS = "keys"
KEYS_NEW = "keys.new"
LOCK = "lock"

_ENCRYPTED_PARTS = (CATALOGUE, CATALOGUE + "-wal", CATALOGUE + "-shm", SEALED_BLOBS, KEYS_NEW)
_PLAIN_PARTS = (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", PLAIN_BLOBS)
CACHE = "cache"  # side databases (`side_database`): may be deleted at any time


@dataclass(frozen=True)
class NewKeys:
    """The first key slots of a new encrypted archive (one or both)."""

    passphrase: str | None = None
    recipients: tuple[str | age.Recipient, ...] = ()
    work_factor: int = field(default_factory=lambda: age.WORK_FACTOR)  # (scrypt loads on first use)


def kind(root: Path) -> str:
    """"encrypted", "plaintext" or "none"."""
    if (root / KEYS).is_dir():
        return "encrypted"
    if (root / DB_NAME).is_file():
        return "plaintext"
    return "none"


def _remove(root: Path, names: tuple[str, ...]) -> None:
    import shutil

    for name in names:
        p = root / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)


def _leftovers_only(root: Path) -> bool:
    """Whether `root` holds nothing but what an interrupted create left."""
    allowed = set(_ENCRYPTED_PARTS) | {LOCK}
    return all(p.name in allowed for p in root.iterdir())


def write_slots(keys_dir: Path, master: bytes, new: NewKeys) -> list[slots.Slot]:
    from mirror.store import slots

    made = []
    if new.passphrase is not None:
        made.append(slots.add(keys_dir, master, passphrase=new.passphrase, work_factor=new.work_factor))
    for r in new.recipients:
        made.append(slots.add(keys_dir, master, recipients=[r]))
    return made


class Archive:
    """An open archive. Use `Archive.open(path)` or `Archive.create(path)`;
    close it or use `with`."""

    def __init__(self, root: Path, catalogue: Catalogue, blobs: BlobStore, master: bytes | None = None,
                 unlocked_by: str | None = None):
        self.root = root
        self.catalogue = catalogue
        self.db = catalogue.db
        self.blobs = blobs
        self.unlocked_by = unlocked_by  # encrypted: "file", "session", "prompt" or "create"
        self._master = master

    @property
    def encrypted(self) -> bool:
        return self.blobs.sealed

    @property
    def keys_dir(self) -> Path:
        return self.root / KEYS

    def master_key(self) -> bytes:
        """For key management and sessions only."""
        if self._master is None:
            raise ArchiveError("a plaintext archive has no key")
        return self._master

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], unlock: Unlock | None = None) -> "Archive":
        """Open an existing archive; an encrypted one is unlocked by `unlock`
        (default: $MIRROR_UNLOCK, then a session)."""
        root = Path(path).expanduser()
        if root.exists() and not root.is_dir():
            raise ArchiveError(f"{root} is not a directory")
        what = kind(root)
        if what == "none":
            if root.is_dir() and any(root.iterdir()) and not _leftovers_only(root):
                raise ArchiveError(f"{root} is not empty and is not a mirror archive; refusing to write into it")
            raise ArchiveError(f"no archive at {root}: create one with `mirror init`"
                               " (or `mirror init --plaintext`)")
        if what == "encrypted":
            unlock = unlock or Unlock()
            master, source = unlock.master_key(root, root / KEYS)
            return cls._open_encrypted(root, master, source)
        archive = cls._assemble(root, None, None, None)
        if any((root / p).exists() for p in _ENCRYPTED_PARTS):  # an `encrypt` that never committed
            with archive.lock(exclusive=True):
                _remove(root, _ENCRYPTED_PARTS)
        return archive

    @classmethod
    def _open_encrypted(cls, root: Path, master: bytes, source: str) -> "Archive":
        try:
            archive = cls._assemble(root, ArchiveKeys.derive(master), master, source)
        except ArchiveError:
            if source == "session":
                raise WrongKey("the unlocked session's key does not open this archive; run `mirror lock`") from None
            raise
        if any((root / p).exists() for p in _PLAIN_PARTS):  # `encrypt` committed, cleanup interrupted
            with archive.lock(exclusive=True):
                _remove(root, _PLAIN_PARTS)
        return archive

    @classmethod
    def _assemble(cls, root: Path, keys: ArchiveKeys | None, master: bytes | None,
                  source: str | None) -> "Archive":
        dbfile = root / (CATALOGUE if keys else DB_NAME)
        blobs = BlobStore(root / (SEALED_BLOBS if keys else PLAIN_BLOBS), keys)
        try:
            blobs.create()
        except OSError as e:
            raise ArchiveError(f"cannot use archive {root}: {e.strerror}") from None
        archive = cls(root, Catalogue(cat.connect(dbfile, keys), str(root)), blobs, master, source)
        try:
            archive._migrate()
            if orphans.has_dead_journal(archive):  # an unpack was killed: drop what it never committed
                orphans.sweep(archive)
        except BaseException:
            archive.close()
            raise
        return archive

    @classmethod
    def create(cls, path: str | os.PathLike[str], new_keys: NewKeys | None) -> "Archive":
        """Create an archive: encrypted with the given first key slots, or
        plaintext when `new_keys` is None. The directory must be absent or
        empty."""
        root = Path(path).expanduser()
        if root.exists() and not root.is_dir():
            raise ArchiveError(f"{root} is not a directory")
        if kind(root) != "none":
            raise ArchiveError(f"there is already an archive at {root}")
        if root.is_dir() and any(root.iterdir()):
            if not _leftovers_only(root):
                raise ArchiveError(f"{root} is not empty and is not a mirror archive; refusing to write into it")
            _remove(root, _ENCRYPTED_PARTS)  # an earlier create that was interrupted
        try:
            root.mkdir(parents=True, exist_ok=True)
            os.chmod(root, 0o700)
        except OSError as e:
            raise ArchiveError(f"cannot create archive {root}: {e.strerror}") from None
        if new_keys is None:
            return cls._assemble(root, None, None, None)
        if new_keys.passphrase is None and not new_keys.recipients:
            raise ArchiveError("an encrypted archive needs a passphrase or a recipient")
        master = os.urandom(MASTER_KEY_SIZE)
        archive = cls._assemble(root, ArchiveKeys.derive(master), master, "create")
        try:
            staging = root / KEYS_NEW
            write_slots(staging, master, new_keys)
            os.replace(staging, root / KEYS)  # the commit point
            fsync_dir(root)
        except BaseException:
            archive.close()
            raise
        return archive

    def _migrate(self) -> None:
        if self.catalogue.schema_version() == cat.SCHEMA_VERSION:
            return
        with self.lock(exclusive=True):
            self.catalogue.migrate()

    def close(self) -> None:
        self.catalogue.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def lock(self, exclusive: bool) -> Iterator[None]:
        """The archive's lock between processes (flock on `lock`). A plaintext
        archive that `encrypt` converted meanwhile is not written to."""
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            if not self.encrypted and kind(self.root) != "plaintext":
                raise ArchiveError(f"{self.root} was encrypted by another mirror meanwhile; run the command again")
            yield
        finally:
            os.close(fd)

    # -- blobs -----------------------------------------------------------------

    def blob_path(self, sha: str) -> Path:
        return self.blobs.path(sha)

    def has_blob(self, sha: str) -> bool:
        return self.blobs.has(sha)

    def read_blob(self, sha: str) -> bytes:
        return self.blobs.read(sha)

    def put_blob(self, data: bytes, batch: BlobBatch | None = None) -> str:
        return self.blobs.put(data, batch)

    def put_blob_file(self, src: Readable, sha: str | None = None, batch: BlobBatch | None = None) -> str:
        return self.blobs.put_file(src, sha, batch)

    def blob_batch(self, workers: int = 0) -> BlobBatch:
        return self.blobs.batch(workers)

    def blob_tmpfile(self) -> BinaryIO:
        return self.blobs.tmpfile()

    def side_database(self, name: str) -> cat.Connection:
        """A small database of the archive's own (in cache/, e.g. the page
        cache's index), encrypted like the catalogue in an encrypted archive,
        under a key of its own. It may be deleted at any time."""
        folder = self.root / CACHE
        folder.mkdir(mode=0o700, exist_ok=True)
        keys = self.blobs.keys
        return cat.connect(folder / name, keys.side_key(name) if keys is not None else None)

    # -- importing (unpack) ------------------------------------------------------

    def stash(self, max_files: int = 256) -> Stash:
        """Where verification keeps the images an import will need (those the
        archive lacks), in the archive's own temp files."""
        from mirror.store.importer import Stash

        # Raw files: each is written once, whole, and 4,096 may be open at
        # once (a 4 KiB buffer each was 16 MiB of a 100k unpack).
        return Stash(lambda: self.blobs.tmpfile(buffering=0), lambda sha: not self.blobs.has(sha), max_files)

    @contextlib.contextmanager
    def importing(self, relied: Iterable[str], workers: int = 4) -> Iterator[Importer]:
        """Store an import's blobs and rows (`mirror.store.importer`): what an
        interrupted import left is swept first, and every blob this one stores
        or relies on is journalled before it is stored, so a kill -9 leaves
        nothing behind that the next open does not remove."""
        from mirror.store.importer import Importer

        orphans.sweep(self)
        with orphans.journal(self, relied), self.blobs.batch(workers=workers) as batch:
            yield Importer(self.blobs.has, self.save_many, batch)

    # -- writing -----------------------------------------------------------

    def save(self, new: NewVersion) -> SaveResult:
        got: list[SaveResult] = []
        self.save_many([new], saved=got.append)
        return got[0]

    def save_many(self, items: Iterable[NewVersion], batch: BlobBatch | None = None, *,
                  saved: Callable[[SaveResult], None] | None = None) -> None:
        """Store captures in one transaction: all of them, or none. `items` is
        read one at a time, each stored before the next is asked for, so an
        import of any size holds one capture in memory. An asset whose bytes are
        None must already be a blob (see `put_blob_file` and `BlobBatch`), so
        large imports never hold every image in memory at once either. Blobs
        written through `batch` (or a batch of its own) have their directories
        fsynced once each, before the transaction that names them commits.
        The write transaction is held meanwhile (readers go on; another writer
        waits for it). Each capture's `SaveResult` goes to `saved`, if given,
        as soon as it is stored (before the commit), not into a list: an import of
        100,000 captures keeps none of them."""
        import hashlib  # (writers only: reading commands never load OpenSSL's digests)

        batch = batch or self.blobs.batch()
        stored_before: set[str] = set()  # assets given without bytes: checked once the writers are done
        with self.lock(exclusive=False), self.catalogue.transaction():
            for new in items:
                html_sha = batch.put(new.html.encode("utf-8"))
                raw_sha = batch.put(new.raw) if new.raw is not None else None
                for asset, data in new.assets:
                    if data is None:
                        stored_before.add(asset.sha256)
                    elif hashlib.sha256(data).hexdigest() != asset.sha256:
                        raise ArchiveError(f"asset {asset.name} does not match its hash")
                    else:
                        batch.write(asset.sha256, data)
                res = SaveResult(*self.catalogue.insert(new, html_sha, raw_sha))
                if saved is not None:
                    saved(res)
            batch.wait()  # the batch's writers are done
            for sha in sorted(stored_before):
                if not self.blobs.has(sha):
                    raise ArchiveError(f"asset {sha[:12]}… was not stored")
                batch.note(sha)
            batch.sync()  # every blob a row names is durable before the commit

    def remove(self, aid: str) -> None:
        """Delete an article and all its versions; blobs go at the next `gc`."""
        full = self.resolve(aid)
        with self.catalogue.transaction():
            self.catalogue.delete_article(full)

    def gc(self) -> tuple[int, int]:
        """Delete blobs no row refers to (nor a running import relies on).
        Returns (count, bytes)."""
        with self.lock(exclusive=True):
            return self.blobs.collect(self.catalogue.live_blobs() | orphans.live_shas(self))

    # -- reading -----------------------------------------------------------

    def resolve(self, aid: str) -> str:
        return self.catalogue.resolve(aid)

    def summaries(self, limit: int | None = None, offset: int = 0) -> Iterator[Summary]:
        """Each article at its current version, newest capture first, read as
        the caller iterates (inside the `with` block)."""
        return self.catalogue.summaries(limit, offset)

    def summaries_json(self, limit: int | None = None, offset: int = 0) -> Iterator[str]:
        """`summaries`, each already a JSON object (`Summary.to_json`'s)."""
        return self.catalogue.summaries_json(limit, offset)

    def list(self) -> builtins.list[Summary]:
        return builtins.list(self.summaries())

    def ids(self) -> builtins.list[str]:
        return self.catalogue.ids()

    def search(self, query: str, limit: int | None = None, offset: int = 0) -> builtins.list[Hit]:
        return builtins.list(self.hits(query, limit, offset))

    def hits(self, query: str, limit: int | None = None, offset: int = 0) -> Iterator[Hit]:
        """`search`, read as the caller iterates (inside the `with` block)."""
        return self.catalogue.search(query, limit, offset)

    def get(self, aid: str, version: int | None = None) -> StoredVersion:
        full = self.resolve(aid)
        row = self.catalogue.version_row(full, version)
        if row is None:
            raise NotFound(f"article {full} has no version {version}")
        return self._stored(row)

    def versions(self, aid: str) -> builtins.list[StoredVersion]:
        return [self._stored(r) for r in self.catalogue.version_rows(self.resolve(aid))]

    def versions_many(self, ids: builtins.list[str]) -> Iterator[builtins.list[StoredVersion]]:
        """`versions` of each of `ids` in turn, read a chunk of articles at a
        time (a pack or export of every article asks for all of them)."""
        for aid, rows, assets in self._rows_many(ids, text=True):
            yield [self._stored_from(r, r["url"], assets.get(r["rowid"], []), len(rows)) for r in rows]

    def heads_many(self, ids: builtins.list[str]) -> Iterator[builtins.list[VersionHead]]:
        """What the rows say of each version of each of `ids` (no text, no
        HTML: no blob is read), in the order of `versions`."""
        for aid, rows, _assets in self._rows_many(ids, text=False):
            yield [VersionHead(id=aid, version=r["n"], url=r["url"], captured=r["captured"],
                               html_sha=r["html_sha"], versions=len(rows), **{k: r[k] for k in META_FIELDS})
                   for r in rows]

    def _rows_many(self, ids: builtins.list[str], text: bool) -> Iterator[tuple[str, builtins.list[cat.Row],
                                                                                  dict[int, builtins.list[Asset]]]]:
        """The catalogue's `versions_of`, each id answered in order: one it
        does not know as a full id (a prefix, a missing article) goes through
        `resolve` as in `versions`, which names it or refuses it."""
        found = self.catalogue.versions_of(ids, text)
        nxt = next(found, None)
        for aid in ids:
            if nxt is not None and nxt[0] == aid:
                yield nxt
                nxt = next(found, None)
                continue
            full = self.resolve(aid)
            rows = self.catalogue.version_rows(full)
            yield full, rows, {r["rowid"]: self.catalogue.assets_of(r["rowid"]) for r in rows}

    def has_content(self, aid: str, chash: str) -> bool:
        return self.catalogue.has_content(aid, chash)

    def raw_page(self, art: StoredVersion) -> bytes | None:
        """The page as it was fetched for this version, if it was kept (captures
        imported from bundles have none)."""
        sha = self.catalogue.raw_sha(art.id, art.version)
        return self.read_blob(sha) if sha else None

    def _stored(self, row: cat.Row) -> StoredVersion:
        aid = row["article_id"]
        return self._stored_from(row, self.catalogue.url_of(aid), self.catalogue.assets_of(row["rowid"]),
                                 self.catalogue.version_count(aid))

    def _stored_from(self, row: cat.Row, url: str, assets: builtins.list[Asset], count: int) -> StoredVersion:
        return StoredVersion(
            id=row["article_id"], version=row["n"], url=url, **{k: row[k] for k in META_FIELDS},
            text=row["text"],
            html=self.read_blob(row["html_sha"]).decode("utf-8"), captured=row["captured"],
            content_hash=row["content_hash"], assets=assets, versions=count)

    # -- feeds ---------------------------------------------------------------

    def follow(self, url: str, title: str | None, now: str) -> bool:
        """Remember a feed; False if it was already followed."""
        return self.catalogue.follow(url, title, now)

    def feeds(self) -> builtins.list[tuple[str, str | None]]:
        return self.catalogue.feeds()

    def unseen_entries(self, feed_url: str, links: builtins.list[str]) -> builtins.list[str]:
        seen = self.catalogue.seen_links(feed_url)
        out: list[str] = []
        for link in links:
            if link not in seen and link not in out:
                out.append(link)
        return out

    def mark_seen(self, feed_url: str, links: builtins.list[str], now: str) -> None:
        self.catalogue.mark_seen(feed_url, links, now)

    def integrity(self) -> builtins.list[str]:
        """Problems found: SQLite's own check plus rows naming missing or
        damaged blobs."""
        problems = self.catalogue.integrity()
        for sha in sorted(self.catalogue.live_blobs()):
            if not self.blobs.has(sha):
                problems.append(f"missing blob {sha}")
            elif self.encrypted:
                try:
                    self.blobs.read(sha)
                except ArchiveError as e:
                    problems.append(str(e))
        return problems
