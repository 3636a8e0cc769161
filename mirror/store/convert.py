"""`mirror encrypt`: turn a plaintext archive into an encrypted one, in place
and crash-safely.

Under the archive's exclusive lock, the encrypted layout is built beside the
plaintext one (catalogue: SQLCipher's `sqlcipher_export` of the whole
database; objects/: every blob a row names, sealed and checked against its
hash), then the key slots are written to keys.new/ and renamed to keys/: the
commit point. A kill -9 before it leaves the plaintext archive as it was
(the next open removes the unfinished parts); after it, the archive is the
encrypted one, and the plaintext files are removed now or, if that too was
interrupted, at the next open. Removed files may still be recoverable from
the disk (SSDs especially): the command says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from mirror.errors import ArchiveError
from mirror.fsutil import fsync_dir
from mirror.store import archive as arc
from mirror.store import catalogue as cat
from mirror.store.blobs import BlobStore
from mirror.store.sealing import MASTER_KEY_SIZE, ArchiveKeys


def encrypt(root: Path, new_keys: arc.NewKeys) -> arc.Archive:
    """Convert the plaintext archive at `root`; return it opened, encrypted."""
    root = Path(root).expanduser()
    if arc.kind(root) != "plaintext":
        raise ArchiveError(f"{root} is not a plaintext archive" +
                           (" (it is encrypted already)" if arc.kind(root) == "encrypted" else ""))
    with arc.Archive.open(root) as plain, plain.lock(exclusive=True):
        arc._remove(root, arc._ENCRYPTED_PARTS)  # an earlier attempt that never committed
        master = os.urandom(MASTER_KEY_SIZE)
        keys = ArchiveKeys.derive(master)
        target = root / arc.CATALOGUE
        os.close(os.open(target, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        plain.db.execute(f"ATTACH DATABASE ? AS sealed KEY {keys.sqlcipher_key()}", (str(target),))
        try:
            plain.db.execute("SELECT sqlcipher_export('sealed')")
            plain.db.execute(f"PRAGMA sealed.user_version = {plain.catalogue.schema_version()}")
        finally:
            plain.db.execute("DETACH DATABASE sealed")
        check = cat.connect(target, keys)  # WAL from now on, and proof that it opens
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ArchiveError("the encrypted copy of the catalogue failed its integrity check")
        finally:
            check.close()
        sealed = BlobStore(root / arc.SEALED_BLOBS, keys)
        sealed.create()
        with sealed.batch() as batch:
            for sha in sorted(plain.catalogue.live_blobs()):
                plain.blobs.copy_to(sealed, sha, batch)
            batch.sync()
        arc._remove(root, (arc.CACHE,))  # the plaintext side databases go before the commit: only caches
        fsync_dir(root)
        staging = root / arc.KEYS_NEW
        arc.write_slots(staging, master, new_keys)
        os.replace(staging, root / arc.KEYS)  # the commit point
        fsync_dir(root)
    arc._remove(root, arc._PLAIN_PARTS)
    fsync_dir(root)
    return arc.Archive._open_encrypted(root, master, "create")
