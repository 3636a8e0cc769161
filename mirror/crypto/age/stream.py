"""The age payload: STREAM with ChaCha20-Poly1305 over 64 KiB chunks.

`payload key = HKDF-SHA-256(file key, salt = 16-byte nonce, info = "payload")`;
chunk i is sealed under the nonce `i (11 bytes, big endian) || final flag`.

Both directions run in constant memory (two 64 KiB buffers) with one
`readinto`, one `encrypt_into`/`decrypt_into` and one `write` per chunk.
Decryption releases each chunk to `write` as soon as its tag verifies, exactly
as `shared/spec/age-v1.md` §7.3 describes (so a failure after N good chunks has
released exactly those N chunks), and fails on truncation, an empty final chunk
after other chunks, and any byte after the final chunk.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from .errors import PayloadError
from .format import hkdf

CHUNK = 64 * 1024
TAG = 16
SEALED = CHUNK + TAG
NONCE_SIZE = 16

Reader = Callable[[memoryview], int]  # fills the view completely, or up to EOF
Writer = Callable[[memoryview], object]


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    return hkdf(file_key, nonce, b"payload")


def encrypt(key: bytes, readinto: Reader, write: Writer) -> int:
    """Seal everything `readinto` yields; return the plaintext length."""
    aead = ChaCha20Poly1305(key)
    seal = aead.encrypt_into
    a, b = bytearray(CHUNK), bytearray(CHUNK)
    ma, mb = memoryview(a), memoryview(b)
    out = memoryview(bytearray(SEALED))
    total = 0
    counter = 0
    n = readinto(ma)
    while True:
        if n == CHUNK:
            m = readinto(mb)
            final = m == 0
        else:
            m, final = 0, True
        nonce = ((counter << 8) | final).to_bytes(12, "big")
        k = seal(nonce, ma[:n], None, out[: n + TAG])
        write(out[:k])
        total += n
        if final:
            return total
        counter += 1
        ma, mb = mb, ma
        n = m


def decrypt(key: bytes, readinto: Reader, write: Writer) -> int:
    """Open the chunks `readinto` yields, writing each as it authenticates;
    return the plaintext length. Raises PayloadError."""
    aead = ChaCha20Poly1305(key)
    open_ = aead.decrypt_into
    buf = memoryview(bytearray(SEALED))
    out = memoryview(bytearray(CHUNK))
    probe = memoryview(bytearray(1))
    total = 0
    counter = 0
    while True:
        n = readinto(buf)
        if n == 0:
            raise PayloadError(
                "payload truncated: no chunks" if counter == 0 else "payload truncated: no final chunk"
            )
        base = counter << 8
        if n == SEALED:
            try:
                k = open_(base.to_bytes(12, "big"), buf, None, out)
                final = False
            except InvalidTag:
                try:
                    k = open_((base | 1).to_bytes(12, "big"), buf, None, out)
                except InvalidTag:
                    raise PayloadError(f"payload chunk {counter} failed to authenticate") from None
                final = True
        else:
            if n < TAG:
                raise PayloadError(f"payload chunk {counter} is truncated")
            if n == TAG and counter > 0:
                raise PayloadError("payload has an empty final chunk")
            try:
                k = open_((base | 1).to_bytes(12, "big"), buf[:n], None, out[: n - TAG])
            except InvalidTag:
                raise PayloadError(f"payload chunk {counter} failed to authenticate") from None
            final = True
        write(out[:k])
        total += k
        if final:
            if n == SEALED and readinto(probe):
                raise PayloadError("trailing data after the final payload chunk")
            return total
        counter += 1
