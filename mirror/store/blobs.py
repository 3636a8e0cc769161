"""The blob store: the files an archive's rows name (article HTML, raw
pages, images), each named by its content and written crash-safely.

A blob is written temp + fsync + rename (and its directory fsynced) before
any row may name it; a `BlobBatch` keeps that rule while fsyncing each
directory once per transaction instead of once per blob.

Plaintext archives name a blob by its SHA-256 and store it as is. Encrypted
archives (`keys` given) name it by a keyed hash of that SHA-256 and store it
sealed (`sealing`): the store's interface, always in terms of the content's
SHA-256, is the same for both.

What is stored is the content or, where zlib shrinks it by a tenth or more
(article HTML and raw pages: text; images do not shrink), `ZMAGIC` and the
zlib stream (`encode`). Content that itself begins with `ZMAGIC` is always
stored so, so the stored form is never ambiguous. Names and the sealed
trailer stay the content's SHA-256, so this changes nothing above the store.
"""

from __future__ import annotations

import contextlib
import os
import threading
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator, cast

from mirror.crypto.age.source import Readable
from mirror.errors import ArchiveError
from mirror.fsutil import fsync_dir
from mirror.store import sealing
from mirror.store.sealing import ArchiveKeys

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

CHUNK = 1 << 20

ZMAGIC = b"\x00mz1"  # a NUL first: no HTML or text page starts so
_COMPRESS_FROM = 512  # shorter blobs gain too little to pay for the header
_LEVEL = 6


def encode(data: bytes) -> bytes:
    """The stored form of `data` (see the module docstring)."""
    if len(data) < _COMPRESS_FROM and not data.startswith(ZMAGIC):
        return data
    z = ZMAGIC + zlib.compress(data, _LEVEL)
    return z if data.startswith(ZMAGIC) or len(z) <= 0.9 * len(data) else data


def decode(stored: bytes, what: str) -> bytes:
    """The content of a stored form."""
    if not stored.startswith(ZMAGIC):
        return stored
    try:
        return zlib.decompress(memoryview(stored)[len(ZMAGIC):])
    except zlib.error:
        raise ArchiveError(f"{what} is damaged (it does not decompress)") from None


def _framed(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """The stored form of a stream that begins with ZMAGIC, compressed as it goes."""
    z = zlib.compressobj(_LEVEL)
    yield ZMAGIC
    for block in _chain(first, rest):
        if out := z.compress(block):
            yield out
    yield z.flush()


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


class _Reader:
    """A read(n) over an iterator of byte blocks (what `seal_stream` reads)."""

    def __init__(self, blocks: Iterator[bytes]):
        self.blocks = blocks
        self.buf = b""

    def read(self, n: int = -1) -> bytes:
        while len(self.buf) < max(n, 1):
            block = next(self.blocks, None)
            if block is None:
                break
            self.buf += block
        out, self.buf = (self.buf, b"") if n < 0 else (self.buf[:n], self.buf[n:])
        return out


def valid_sha(sha: str) -> bool:
    return len(sha) == 64 and not sha.strip("0123456789abcdef")  # every character one of those


def _mkdir(d: Path) -> bool:
    """Create a blob directory; True if this call created it."""
    try:
        d.mkdir(mode=0o700)
    except FileExistsError:
        return False
    return True


class BlobStore:
    """Blobs under `root` (a directory with a `tmp/` inside)."""

    def __init__(self, root: Path, keys: ArchiveKeys | None = None):
        self.root = root
        self.tmp = root / "tmp"
        self.keys = keys

    @property
    def sealed(self) -> bool:
        return self.keys is not None

    def create(self) -> None:
        for d in (self.root, self.tmp):
            d.mkdir(exist_ok=True, mode=0o700)

    def path(self, sha: str) -> Path:
        return Path(self._where(sha))

    def _where(self, sha: str) -> str:
        """`path` as a string: reading a blob builds no Path."""
        if not valid_sha(sha):
            raise ArchiveError(f"invalid blob name {sha!r}")
        name = self.keys.blob_name(sha) if self.keys is not None else sha
        return os.path.join(self.root, name[:2], name[2:])

    def has(self, sha: str) -> bool:
        return self.path(sha).exists()

    def delete(self, sha: str) -> bool:
        try:
            self.path(sha).unlink()
        except FileNotFoundError:
            return False
        return True

    # -- reading -------------------------------------------------------------

    def read(self, sha: str) -> bytes:
        what = f"blob {sha[:12]}…"
        try:
            if self.keys is None:
                with open(self._where(sha), "rb", buffering=0) as raw:  # one read of the whole file
                    return decode(raw.readall(), what)
            with open(self._where(sha), "rb") as f:
                return decode(sealing.open_sealed(self.keys, f, sha, what), what)
        except FileNotFoundError:
            raise ArchiveError(f"archive is missing {what}; run an integrity check") from None

    # -- writing -------------------------------------------------------------

    def put(self, data: bytes, batch: "BlobBatch | None" = None) -> str:
        import hashlib  # (writers only: reading commands never load OpenSSL's digests)

        sha = hashlib.sha256(data).hexdigest()
        self.write(sha, data, batch)
        return sha

    def write(self, sha: str, data: bytes, batch: "BlobBatch | None" = None) -> None:
        """Store `data`, whose SHA-256 the caller computed as `sha`."""
        if self.has(sha):
            if batch is not None:
                batch.note(sha)
            return
        self._store(iter((encode(data),)), lambda: sha, None, batch)

    def put_file(self, src: Readable, sha: str | None = None, batch: "BlobBatch | None" = None) -> str:
        """Stream a file object in (bounded memory); if `sha` is given the
        content must hash to it."""
        import hashlib

        h = hashlib.sha256()

        def content() -> Iterator[bytes]:
            while block := src.read(CHUNK):
                h.update(block)
                yield block

        blocks = content()
        first = next(blocks, b"")
        stored = _framed(first, blocks) if first.startswith(ZMAGIC) else _chain(first, blocks)
        return self._store(stored, h.hexdigest, sha, batch)

    def _store(self, stored: Iterator[bytes], digest: Callable[[], str], expected: str | None,
               batch: "BlobBatch | None") -> str:
        """Write a stored form to a temp file (sealed in an encrypted store),
        fsync it and give it its name, the content's SHA-256 `digest()` (asked
        once everything is written, and checked against `expected`)."""
        import tempfile  # (writers only)

        fd, tmp = tempfile.mkstemp(dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                if self.keys is None:
                    for block in stored:
                        out.write(block)
                else:
                    sealing.seal_stream(self.keys, _Reader(stored).read, out.write, lambda: bytes.fromhex(digest()))
                out.flush()
                os.fsync(out.fileno())
            sha = digest()
            if expected is not None and expected != sha:
                raise ArchiveError("blob content does not match its expected hash")
            self._place(tmp, sha, batch)
            return sha
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def copy_to(self, other: "BlobStore", sha: str, batch: "BlobBatch | None" = None) -> None:
        """Store this store's blob `sha` in `other` (encrypting a plaintext
        archive), streamed unless it was stored compressed (text: small)."""
        with open(self.path(sha), "rb") as src:
            if self.keys is None and src.read(len(ZMAGIC)) != ZMAGIC:
                src.seek(0)
                other.put_file(src, sha, batch=batch)
                return
        other.write(sha, self.read(sha), batch)

    def tmpfile(self, buffering: int = -1) -> BinaryIO:
        """A private, unnamed temp file in tmp/ (O_TMPFILE, mode 0600): nothing
        to find while it is written, nothing left after a crash. In a plaintext
        store `adopt` can give it a blob name without copying; in an encrypted
        one it is a `SealedTemp`, so no plaintext ever reaches the disk.
        (`tempfile.TemporaryFile` adds O_EXCL, which forbids linking.)
        `buffering=0`: a raw file, for one that is written once, whole, and
        kept open (write it with `fsutil.write_all`)."""
        f: BinaryIO | None = None
        if hasattr(os, "O_TMPFILE"):
            try:
                fd = os.open(self.tmp, os.O_RDWR | os.O_TMPFILE | getattr(os, "O_CLOEXEC", 0), 0o600)
            except OSError:
                pass
            else:
                f = os.fdopen(fd, "w+b", buffering=buffering)
        if f is None:
            import tempfile

            f = cast(BinaryIO, tempfile.TemporaryFile(dir=self.tmp, buffering=buffering))
        if self.keys is not None:
            return sealing.SealedTemp(f)  # type: ignore[return-value]
        return f

    def _place(self, tmp: str, sha: str, batch: "BlobBatch | None" = None) -> None:
        """Name a complete, fsynced temp file as blob `sha`. Its directory is
        fsynced now, or (in a batch) once for the batch by `BlobBatch.sync`."""
        final = self.path(sha)
        if final.exists():
            if batch is not None:
                batch.note(sha)
            return
        self._dir(final.parent, batch)
        os.chmod(tmp, 0o600)
        os.replace(tmp, final)
        if batch is None:
            fsync_dir(final.parent)
        else:
            batch.note(sha)

    def _dir(self, d: Path, batch: "BlobBatch | None") -> None:
        if batch is not None:
            batch.made(d)
        elif _mkdir(d):
            fsync_dir(d.parent)

    def batch(self, workers: int = 0) -> "BlobBatch":
        return BlobBatch(self, workers)

    # -- listing -------------------------------------------------------------

    def files(self) -> Iterator[Path]:
        """Every stored blob file (not temp files)."""
        for sub in self.root.iterdir():
            if sub.name == "tmp" or not sub.is_dir():
                continue
            yield from sub.iterdir()

    def collect(self, live: Iterable[str]) -> tuple[int, int]:
        """Delete every blob not in `live` (SHA-256s) and every temp file left
        by a killed writer. Returns (count, bytes). The caller holds the
        archive's exclusive lock."""
        keep = {self.path(sha) for sha in live}
        count = size = 0
        for stale in self.tmp.iterdir():
            if stale.name.startswith("."):  # an import's journal (orphans)
                continue
            size += stale.stat().st_size
            stale.unlink()
            count += 1
        for f in self.files():
            if f not in keep:
                size += f.stat().st_size
                f.unlink()
                count += 1
        return count, size


IN_FLIGHT = 64  # blob writes a batch's workers may have queued or running


class BlobBatch:
    """Blobs stored for one transaction, with one directory fsync per blob
    directory instead of one per blob. Each blob file is still fsynced before
    it gets its name (a named blob is always whole); `sync()` fsyncs every
    directory that gained a name or holds a blob the batch relies on (another
    writer may have named it and not yet fsynced its directory), and must
    return before a transaction that names those blobs commits.

    With `workers`, `put` and `adopt` return at once and threads do the
    writes, fsyncs and renames (concurrent fsyncs share journal commits);
    `sync()` waits for them and raises the first failure. Use it as a context
    manager so that the threads are always waited for."""

    def __init__(self, store: BlobStore, workers: int = 0):
        self.store = store
        self.dirs: set[Path] = set()  # to fsync before the commit
        self._made: set[Path] = set()  # known to exist
        self._fds: dict[Path, int] = {}  # open blob directories
        self._lock = threading.Lock()
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        # At most IN_FLIGHT writes queued or running, each holding its bytes:
        # a producer faster than the disk waits instead of queueing the whole
        # import in memory (and no future is kept once it is done).
        self._slots = threading.BoundedSemaphore(IN_FLIGHT)
        self._failure: BaseException | None = None

    def __enter__(self) -> "BlobBatch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.wait(raise_first=exc[0] is None)
        self._close_fds()

    def _run(self, fn: Callable[..., object], *args: object) -> None:
        if not self._workers:
            fn(*args)
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # a batch's writers: imports only for them

            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="blob")
        self._slots.acquire()
        try:
            fut = self._pool.submit(fn, *args)
        except BaseException:
            self._slots.release()
            raise
        fut.add_done_callback(self._done)

    def _done(self, fut: Future[object]) -> None:
        e = fut.exception()
        if e is not None:
            with self._lock:
                self._failure = self._failure or e
        self._slots.release()

    def wait(self, raise_first: bool = True) -> None:
        """Wait for the batch's writers; raise the first failure."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._lock:
            first, self._failure = self._failure, None
        if first is not None and raise_first:
            raise first

    def note(self, sha: str) -> None:
        """The transaction relies on blob `sha`: fsync its directory too."""
        d = self.store.path(sha).parent
        with self._lock:
            self.dirs.add(d)

    def made(self, d: Path) -> None:
        with self._lock:
            if d in self._made:
                return
        created = _mkdir(d)
        with self._lock:
            self._made.add(d)
            if created:  # its name in the store must be durable too
                self.dirs.add(d.parent)

    def put(self, data: bytes) -> str:
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        self._run(self.store.write, sha, data, self)
        return sha

    def write(self, sha: str, data: bytes) -> None:
        self._run(self.store.write, sha, data, self)

    def put_file(self, src: Readable, sha: str | None = None) -> str:
        """Stream `src` in (read here, not by a worker; hashed and checked)."""
        return self.store.put_file(src, sha, batch=self)

    def adopt(self, f: BinaryIO, sha: str) -> None:
        """Store a temp file from `BlobStore.tmpfile` that the caller wrote and
        whose exact bytes it hashed to `sha`, then close it. In a plaintext
        store it is fsynced and linked into place without copying; where it
        cannot be linked (no O_TMPFILE or /proc), and in an encrypted store,
        it is read back and stored (hashed again)."""
        self._run(self._adopt, f, sha)

    def _adopt(self, f: BinaryIO, sha: str) -> None:
        with f:
            final = self.store.path(sha)
            if final.exists():
                self.note(sha)
                return
            f.flush()
            if not self.store.sealed and os.pread(f.fileno(), len(ZMAGIC), 0) != ZMAGIC:  # else: stored framed
                os.fsync(f.fileno())
                self.store._dir(final.parent, self)
                try:
                    # linkat(AT_SYMLINK_FOLLOW) through /proc: how an O_TMPFILE gets a name.
                    os.link(f"/proc/self/fd/{f.fileno()}", final.name, dst_dir_fd=self._dirfd(final.parent))
                except FileExistsError:
                    pass
                except OSError:
                    pass
                else:
                    self.note(sha)
                    return
                if final.exists():
                    self.note(sha)
                    return
            f.seek(0)
            self.store.put_file(f, sha, batch=self)

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
            self.wait()
            for d in sorted(self.dirs):
                os.fsync(self._dirfd(d))
            self.dirs.clear()
        finally:
            self._close_fds()
