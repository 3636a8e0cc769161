"""The native scrypt (passphrase) recipient type.

wrap key = scrypt(P = passphrase, S = "age-encryption.org/v1/scrypt" || salt,
                  N = 2**log_n, r = 8, p = 1, dkLen = 32).

Encrypting uses `WORK_FACTOR` = 18 (log2 N): measured on the project's
2-core machine it takes ~0.7 s and 256 MiB (19 takes ~1.9 s and 512 MiB), so 18
is the fixed factor closest to one second; it is also age's default.
Decrypting refuses factors above `max_work_factor` (default 22: ~15 s and
4 GiB) before running scrypt, and checks the body length first as well.
An scrypt stanza must be the only stanza in its header.
"""

from __future__ import annotations

import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import HeaderError
from .format import FILE_KEY_SIZE, Stanza, b64decode, b64encode

TYPE = "scrypt"
LABEL = b"age-encryption.org/v1/scrypt"
WORK_FACTOR = 18
MAX_WORK_FACTOR = 22
ZERO_NONCE = bytes(12)
_DECIMAL = re.compile(r"[1-9][0-9]*\Z")


def _as_bytes(passphrase: str | bytes) -> bytes:
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)


def _derive(passphrase: bytes, salt: bytes, log_n: int) -> bytes:
    return Scrypt(salt=LABEL + salt, length=32, n=1 << log_n, r=8, p=1).derive(passphrase)


class ScryptRecipient:
    def __init__(self, passphrase: str | bytes, work_factor: int = WORK_FACTOR):
        self._passphrase = _as_bytes(passphrase)
        if not self._passphrase:
            raise ValueError("empty passphrase")
        if not 1 <= work_factor <= 30:
            raise ValueError("scrypt work factor out of range")
        self._log_n = work_factor

    def wrap(self, file_key: bytes) -> list[Stanza]:
        salt = os.urandom(16)
        key = _derive(self._passphrase, salt, self._log_n)
        body = ChaCha20Poly1305(key).encrypt(ZERO_NONCE, file_key, None)
        return [Stanza(TYPE, [b64encode(salt), str(self._log_n)], body)]

    def __repr__(self) -> str:
        return f"ScryptRecipient(work_factor={self._log_n})"


class ScryptIdentity:
    def __init__(self, passphrase: str | bytes, max_work_factor: int = MAX_WORK_FACTOR):
        self._passphrase = _as_bytes(passphrase)
        self._max = max_work_factor

    def unwrap(self, stanzas: list[Stanza]) -> bytes | None:
        for s in stanzas:
            if s.type != TYPE:
                continue
            if len(stanzas) != 1:
                raise HeaderError("an scrypt stanza must be alone in the header")
            if len(s.args) != 2:
                raise HeaderError("scrypt stanza must have exactly two arguments")
            try:
                salt = b64decode(s.args[0])
            except ValueError:
                raise HeaderError("scrypt salt is not canonical base64") from None
            if len(salt) != 16:
                raise HeaderError("scrypt salt must be 16 bytes")
            wf = s.args[1]
            if not _DECIMAL.match(wf):
                raise HeaderError("scrypt work factor is not a decimal number")
            if len(wf) > 4 or int(wf) > self._max:
                raise HeaderError(f"scrypt work factor above the limit of {self._max}")
            if len(s.body) != FILE_KEY_SIZE + 16:
                raise HeaderError("scrypt stanza body must be 32 bytes")
            key = _derive(self._passphrase, salt, int(wf))
            try:
                return ChaCha20Poly1305(key).decrypt(ZERO_NONCE, s.body, None)
            except InvalidTag:
                continue
        return None

    def __repr__(self) -> str:
        return "ScryptIdentity(***)"
