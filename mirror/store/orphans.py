"""Blobs an interrupted unpack stored but never committed, removed by the next
open of the archive (and by the next unpack, before it stores anything).

Unpack writes a bundle's images into the blob store before the one
transaction that refers to them, so a SIGKILL between the two left them
unreferenced until `gc` (180 MB once). Now, before storing anything, unpack
writes a journal in blobs/tmp (a neutral dot-name) listing every blob it
will store or rely on, fsyncs it and holds an exclusive flock on it until it
has committed and removed it. The next unpack first sweeps: under the
archive's exclusive lock, a journal whose flock it can take belongs to a dead
process, and each blob it lists that no row refers to and no live journal
lists is deleted. A live importer writes its journal before it takes the
archive's shared lock and looks at the store, so a sweep never deletes a blob
that a running import has seen or is writing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import ContextManager, Iterable, Iterator, Protocol

from mirror.fsutil import neutral_name
from mirror.store.blobs import BlobStore
from mirror.store.catalogue import Catalogue


class Archive(Protocol):
    """What of an archive this module uses (`mirror.store.archive.Archive`
    has it; a protocol, so that the archive can import this module)."""

    blobs: BlobStore
    catalogue: Catalogue

    def lock(self, exclusive: bool) -> ContextManager[None]: ...

SUFFIX = ".j"  # `.<12 letters>.j`: neutral, and not a blob or a temp blob


def _journals(ar: Archive) -> list[Path]:
    tmp = ar.blobs.tmp
    return [p for p in tmp.iterdir() if p.name.startswith(".") and p.name.endswith(SUFFIX)]


def _read(path: Path) -> set[str]:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return {s for s in path.read_text("ascii").split() if len(s) == 64}
    return set()


def _journal_states(ar: Archive) -> Iterator[tuple[Path, bool]]:
    """Each journal and whether its importer is dead (nobody holds its flock)."""
    for path in _journals(ar):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            dead = True
        except BlockingIOError:
            dead = False
        finally:
            os.close(fd)
        yield path, dead


def has_dead_journal(ar: Archive) -> bool:
    """Whether a journal of a dead importer is left (cheap: one listing, no
    archive lock), so that opening the archive sweeps only when needed."""
    return any(dead for _, dead in _journal_states(ar))


def live_shas(ar: Archive) -> set[str]:
    """What running importers have stored or rely on and not yet committed
    (gc keeps them)."""
    live: set[str] = set()
    for path, dead in _journal_states(ar):
        if not dead:
            live |= _read(path)
    return live


def sweep(ar: Archive) -> int:
    """Delete what dead importers left; return the number of blobs deleted."""
    deleted = 0
    with ar.lock(exclusive=True):
        live: set[str] = set()
        dead: list[Path] = []
        for path, is_dead in _journal_states(ar):
            if is_dead:
                dead.append(path)
            else:
                live |= _read(path)
        for path in dead:
            for sha in _read(path) - live:
                if ar.blobs.has(sha) and not ar.catalogue.names_blob(sha):
                    deleted += ar.blobs.delete(sha)
            path.unlink(missing_ok=True)
    return deleted


@contextlib.contextmanager
def journal(ar: Archive, shas: Iterable[str]) -> Iterator[None]:
    """Hold a journal of `shas` while an import stores and commits them."""
    path = ar.blobs.tmp / (neutral_name() + SUFFIX)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, "".join(f"{s}\n" for s in sorted(set(shas))).encode("ascii"))
        os.fsync(fd)
        with ar.lock(exclusive=False):  # waits for a sweep that began before the journal existed
            pass
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)
