"""The native X25519 recipient type (`age1...` / `AGE-SECRET-KEY-1...`).

wrap key = HKDF-SHA-256(ikm = X25519(ephemeral, recipient),
                        salt = ephemeral share || recipient,
                        info = "age-encryption.org/v1/X25519"),
body = ChaCha20-Poly1305(wrap key, nonce 0, file key).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from . import bech32
from .errors import HeaderError
from .format import FILE_KEY_SIZE, Stanza, b64decode, b64encode, hkdf

TYPE = "X25519"
LABEL = b"age-encryption.org/v1/X25519"
RECIPIENT_HRP = "age"
IDENTITY_HRP = "AGE-SECRET-KEY-"
ZERO_NONCE = bytes(12)


class X25519Recipient:
    post_quantum = False

    def __init__(self, public: bytes):
        if len(public) != 32:
            raise ValueError("an X25519 recipient is 32 bytes")
        self._public = bytes(public)

    def wrap(self, file_key: bytes) -> list[Stanza]:
        eph = X25519PrivateKey.generate()
        share = eph.public_key().public_bytes_raw()
        shared = eph.exchange(X25519PublicKey.from_public_bytes(self._public))
        key = hkdf(shared, share + self._public, LABEL)
        body = ChaCha20Poly1305(key).encrypt(ZERO_NONCE, file_key, None)
        return [Stanza(TYPE, [b64encode(share)], body)]

    def __str__(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self._public)

    def __repr__(self) -> str:
        return f"X25519Recipient({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, X25519Recipient) and other._public == self._public

    def __hash__(self) -> int:
        return hash(self._public)


class X25519Identity:
    post_quantum = False

    def __init__(self, secret: bytes):
        if len(secret) != 32:
            raise ValueError("an X25519 identity is 32 bytes")
        self._key = X25519PrivateKey.from_private_bytes(secret)
        self._public = self._key.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> "X25519Identity":
        return cls(X25519PrivateKey.generate().private_bytes_raw())

    def recipient(self) -> X25519Recipient:
        return X25519Recipient(self._public)

    def unwrap(self, stanzas: list[Stanza]) -> bytes | None:
        """The file key from the first stanza addressed to us; None if none is.
        A malformed X25519 stanza is a HeaderError (spec §5.3)."""
        for s in stanzas:
            if s.type != TYPE:
                continue
            if len(s.args) != 1:
                raise HeaderError("X25519 stanza must have exactly one argument")
            try:
                share = b64decode(s.args[0])
            except ValueError:
                raise HeaderError("X25519 share is not canonical base64") from None
            if len(share) != 32:
                raise HeaderError("X25519 share must be 32 bytes")
            if len(s.body) != FILE_KEY_SIZE + 16:
                raise HeaderError("X25519 stanza body must be 32 bytes")
            try:
                shared = self._key.exchange(X25519PublicKey.from_public_bytes(share))
            except ValueError:
                raise HeaderError("X25519 share is a low-order point") from None
            key = hkdf(shared, share + self._public, LABEL)
            try:
                return ChaCha20Poly1305(key).decrypt(ZERO_NONCE, s.body, None)
            except InvalidTag:
                continue
        return None

    def __str__(self) -> str:
        return bech32.encode(IDENTITY_HRP, self._key.private_bytes_raw()).upper()

    def __repr__(self) -> str:  # never the secret
        return f"X25519Identity(recipient={self.recipient()})"
