"""Encryption at rest for an encrypted archive: the keys derived from its
master key, the sealed blob format, and encrypted temp files.

Keys. Each archive has one random 32-byte master key, kept only in key slots
(`slots`). Everything else is derived from it with HKDF-SHA-256 under a
distinct label, so no two uses share a key:

    catalogue key  SQLCipher's raw key for the catalogue database
    names key      HMAC-SHA-256 key that turns a content hash into a blob name
    content key    per-blob keys for the blob payloads

Blob names are keyed hashes: the SHA-256 of a known banned image names
nothing on disk. A sealed blob is

    nonce (16 random bytes) || STREAM(HKDF(content key, nonce, "mirror blob v1"),
                                      stored || zeros || sha256 || u64 len)

where STREAM is age's payload (ChaCha20-Poly1305, 64 KiB chunks), `stored`
the blob store's stored form of the content (the content, or it compressed:
`blobs.encode`), and the plaintext is padded to a Padmé length, so sizes
reveal O(log log n) bits. The trailer carries the content's SHA-256, so a
blob moved to another blob's name is refused, and the stored form's length,
so the padding can be written after streaming content of unknown length.

Temp files (`SealedTemp`): AES-256-CTR under a key that exists only in this
process, on an unnamed file; append-only, so no keystream is ever used twice.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Callable

from mirror.crypto.padding import padme
from mirror.errors import ArchiveError
from mirror.fsutil import write_all

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

MASTER_KEY_SIZE = 32
TRAILER = 32 + 8  # sha256 || u64 big-endian content length
_BLOB_INFO = b"mirror blob v1"
_PIECE = 1 << 20  # SealedTemp en/decrypts at most this much at once


@dataclass(frozen=True, repr=False)
class ArchiveKeys:
    """The keys derived from one master key (never printed: repr is empty)."""

    catalogue: bytes
    names: bytes
    content: bytes

    @classmethod
    def derive(cls, master: bytes) -> "ArchiveKeys":
        from mirror.crypto.age.format import hkdf  # cryptography: encrypted archives only

        if len(master) != MASTER_KEY_SIZE:
            raise ValueError("master key must be 32 bytes")
        return cls(hkdf(master, b"", b"mirror archive catalogue"),
                   hkdf(master, b"", b"mirror archive blob names"),
                   hkdf(master, b"", b"mirror archive blob content"))

    def __repr__(self) -> str:
        return "ArchiveKeys(...)"

    def sqlcipher_key(self) -> str:
        """The catalogue's PRAGMA key value (`sqlcipher_key`)."""
        return sqlcipher_key(self.catalogue)

    def side_key(self, name: str) -> bytes:
        """The key of a side database of the archive's (`cache/NAME`)."""
        from mirror.crypto.age.format import hkdf

        return hkdf(self.catalogue, b"", b"mirror archive side database " + name.encode("ascii"))

    def blob_name(self, sha: str) -> str:
        import hashlib
        import hmac

        return hmac.new(self.names, bytes.fromhex(sha), hashlib.sha256).hexdigest()


def sqlcipher_key(raw: bytes) -> str:
    """A PRAGMA key value for a raw 256-bit key, so SQLCipher's own PBKDF2
    (meant for passphrases) is skipped; the slots already did the slow part."""
    return "\"x'" + raw.hex() + "'\""


class _Plain:
    """The plaintext of a sealed blob, streamed: content, then zeros up to the
    padded length, then the trailer. Hashes the content as it goes."""

    def __init__(self, read: Callable[[int], bytes], digest: Callable[[], bytes] | None = None):
        import hashlib

        self.read = read
        self.sha = hashlib.sha256()
        self.digest = digest or self.sha.digest
        self.length = 0
        self.tail: memoryview | None = None

    def readinto(self, view: memoryview) -> int:
        n = 0
        while n < len(view):
            if self.tail is None:
                block = self.read(len(view) - n)
                if block:
                    view[n:n + len(block)] = block
                    self.sha.update(block)
                    self.length += len(block)
                    n += len(block)
                    continue
                pad = padme(self.length + TRAILER) - self.length - TRAILER
                self.tail = memoryview(bytes(pad) + self.digest() + self.length.to_bytes(8, "big"))
            take = self.tail[:len(view) - n]
            if not take:
                break
            view[n:n + len(take)] = take
            self.tail = self.tail[len(take):]
            n += len(take)
        return n


def seal_stream(keys: ArchiveKeys, read: Callable[[int], bytes], write: Callable[[memoryview | bytes], object],
                digest: Callable[[], bytes] | None = None) -> str:
    """Seal everything `read` yields; return its SHA-256 (hex). The trailer
    names the content by `digest()`, asked once all is read, where what is
    read is a stored form of it; by that SHA-256 otherwise."""
    from mirror.crypto.age import stream as _stream
    from mirror.crypto.age.format import hkdf

    nonce = os.urandom(_stream.NONCE_SIZE)
    write(nonce)
    plain = _Plain(read, digest)
    _stream.encrypt(hkdf(keys.content, nonce, _BLOB_INFO), plain.readinto, write)
    return plain.sha.hexdigest()


def seal(keys: ArchiveKeys, data: bytes) -> bytes:
    out = io.BytesIO()
    seal_stream(keys, io.BytesIO(data).read, out.write)
    return out.getvalue()


def open_sealed(keys: ArchiveKeys, src: io.BufferedIOBase, sha: str, what: str) -> bytes:
    """The content of the sealed blob read from `src`, which must hold `sha`;
    ArchiveError naming `what` if it was altered, truncated or moved."""
    from mirror.crypto.age import stream as _stream
    from mirror.crypto.age.errors import PayloadError
    from mirror.crypto.age.format import hkdf

    nonce = src.read(_stream.NONCE_SIZE)
    if len(nonce) < _stream.NONCE_SIZE:
        raise ArchiveError(f"{what} is damaged (truncated)")
    out = bytearray()
    try:
        _stream.decrypt(hkdf(keys.content, nonce, _BLOB_INFO), src.readinto, out.extend)
    except PayloadError:
        raise ArchiveError(f"{what} is damaged (it fails authentication)") from None
    length = int.from_bytes(out[-8:], "big")
    if len(out) < TRAILER or out[-TRAILER:-8] != bytes.fromhex(sha) or length > len(out) - TRAILER:
        raise ArchiveError(f"{what} does not hold the content its name says")
    del out[length:]
    return bytes(out)


class SealedTemp(io.RawIOBase):
    """A temp file whose bytes on disk are AES-256-CTR ciphertext under a key
    held only by this object. Reads and seeks anywhere; writes only at the
    end (append-only, so a keystream position is never reused)."""

    def __init__(self, f: BinaryIO):
        super().__init__()
        self._f = f
        self._key = os.urandom(32)
        self._iv = int.from_bytes(os.urandom(16), "big")
        self._pos = 0
        self._end = 0

    def _xor(self, data: bytes | memoryview, offset: int) -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        block, skip = divmod(offset, 16)
        ctr = ((self._iv + block) % (1 << 128)).to_bytes(16, "big")
        enc = Cipher(algorithms.AES(self._key), modes.CTR(ctr)).encryptor()
        if skip:
            enc.update(bytes(skip))
        return enc.update(data)

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._f.fileno()

    def write(self, data: ReadableBuffer) -> int:
        if self._pos != self._end:
            raise ValueError("sealed temp files are append-only")
        view = memoryview(data).cast("B")
        self._f.seek(self._end)
        for i in range(0, len(view), _PIECE):  # bounded memory for large writes
            piece = view[i:i + _PIECE]
            write_all(self._f, self._xor(piece, self._end))  # (`_f` may be a raw file)
            self._end += len(piece)
        self._pos = self._end
        return len(view)

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Fill `buffer` as far as the file goes (like a regular file, never a
        short read before the end: zipfile relies on that), decrypting at
        most a piece at a time."""
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._end:
            n = min(len(view) - done, self._end - self._pos, _PIECE)
            self._f.seek(self._pos)
            got = self._f.read(n)
            if not got:
                break
            view[done:done + len(got)] = self._xor(got, self._pos)
            self._pos += len(got)
            done += len(got)
        return done

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._end}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        if not self.closed:
            self._f.flush()

    def close(self) -> None:
        if self.closed:
            return
        super().close()  # flushes first
        self._f.close()
        self._key = b""


def sealed_tempfile(directory: str | os.PathLike[str] | None = None) -> BinaryIO:
    """An unnamed temp file in `directory` (the system's if None) sealed
    under a key of this process's (`SealedTemp`): what a command sets aside
    (report rows, a pack's manifest) never reaches the disk readable, not
    even beside a plaintext archive, and nothing is left after a kill -9."""
    import tempfile

    return SealedTemp(tempfile.TemporaryFile(dir=directory))  # type: ignore[return-value]
