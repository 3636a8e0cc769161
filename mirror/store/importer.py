"""Importing into the archive (what `unpack` does once a bundle verified):
the one entry point through which an import stores blobs and rows.

`Archive.stash()` keeps the images verification decodes (`Stash`), in the
archive's own temp files; `Archive.importing(relied)` holds the orphan
journal of everything the import will store or rely on and a blob batch, and
yields an `Importer`, whose `save` syncs the batch and commits the rows in one
transaction. Nothing outside the store touches blobs or journals.
"""

from __future__ import annotations

from typing import BinaryIO, Callable, Iterable

from mirror.crypto.age.source import Readable
from mirror.fsutil import write_all
from mirror.model import NewVersion, SaveResult
from mirror.store.blobs import BlobBatch


class Stash:
    """Inline images decoded during verification, kept for import so that
    pages are not inflated and decoded twice. Each image goes to its own
    private unnamed temp file from `new_file` (`BlobStore.tmpfile`: sealed in
    an encrypted archive), which a plaintext store links into place without
    copying or hashing it again (it holds exactly the bytes that were hashed). Past `max_files` open files the
    rest share one spill file and are copied (and re-hashed) at import.
    `want(sha)` says which are worth keeping (those the archive lacks)."""

    def __init__(self, new_file: Callable[[], BinaryIO], want: Callable[[str], bool], max_files: int = 256):
        self.new_file = new_file
        self.want = want
        self.max_files = max_files
        self.files: dict[str, BinaryIO] = {}
        self.spill: BinaryIO | None = None
        self.where: dict[str, tuple[int, int]] = {}
        self.end = 0

    def add(self, sha: str, data: bytes) -> None:
        if sha in self or not self.want(sha):
            return
        if len(self.files) < self.max_files:
            f = self.new_file()
            self.files[sha] = f
            write_all(f, data)
            return
        if self.spill is None:
            self.spill = self.new_file()
        self.spill.seek(self.end)
        write_all(self.spill, data)
        self.where[sha] = (self.end, len(data))
        self.end += len(data)

    def __contains__(self, sha: str) -> bool:
        return sha in self.files or sha in self.where

    def store(self, batch: BlobBatch, sha: str) -> None:
        """Put the image into the blob store through `batch`."""
        if sha in self.files:
            batch.adopt(self.files.pop(sha), sha)  # the batch closes it
            return
        off, size = self.where[sha]
        spill = self.spill
        assert spill is not None  # `where` names only what was spilled
        spill.flush()
        spill.seek(off)
        batch.put_file(_Slice(spill, size), sha)

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        self.files.clear()
        if self.spill is not None:
            self.spill.close()
            self.spill = None

    def __enter__(self) -> "Stash":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Slice:
    def __init__(self, f: BinaryIO, size: int):
        self.f, self.left = f, size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.f.read(n)
        self.left -= len(data)
        return data


class Importer:
    """Blobs and captures of one import; see the module docstring."""

    def __init__(self, has_blob: Callable[[str], bool],
                 save_many: "Callable[..., None]", batch: BlobBatch):
        self._has_blob = has_blob
        self._save_many = save_many
        self._batch = batch
        self._given: set[str] = set()  # handed to the batch by this import

    def needs(self, sha: str) -> bool:
        """Whether blob `sha` is still to be stored (not in the archive, not
        already handed over by this import)."""
        return sha not in self._given and not self._has_blob(sha)

    def put(self, data: bytes) -> str:
        sha = self._batch.put(data)
        self._given.add(sha)
        return sha

    def put_file(self, src: Readable, sha: str) -> None:
        self._batch.put_file(src, sha)
        self._given.add(sha)

    def put_kept(self, stash: Stash, sha: str) -> bool:
        """Store an image the stash kept; False if it holds none."""
        if sha not in stash:
            return False
        stash.store(self._batch, sha)
        self._given.add(sha)
        return True

    def save(self, items: Iterable[NewVersion], saved: Callable[[SaveResult], None]) -> None:
        """Store every capture in one transaction, read one at a time, each
        one's result given to `saved`; the batch is synced before it commits."""
        self._save_many(items, self._batch, saved=saved)
