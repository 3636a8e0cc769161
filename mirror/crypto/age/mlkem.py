"""The post-quantum hybrid recipient type `mlkem768x25519` of age 1.3
(`age1pq1...` / `AGE-SECRET-KEY-PQ-1...`).

The stanza is HPKE (RFC 9180) SealBase with KEM MLKEM768-X25519 (X-Wing,
draft-ietf-hpke-pq), KDF HKDF-SHA256, AEAD ChaCha20Poly1305,
info = "age-encryption.org/mlkem768x25519" and empty AAD; its one argument is
base64(enc) (1,120 bytes: ML-KEM-768 ciphertext || X25519 share) and its body
the 32-byte sealed file key. The identity is a 32-byte seed, expanded with
SHAKE256 to 96 bytes: an ML-KEM-768 seed (d || z) and an X25519 secret. The
recipient is the ML-KEM-768 encapsulation key (1,184 bytes) || the X25519
public key (32 bytes). HPKE comes from `cryptography` (>= 47).

A hybrid recipient must not be mixed with classical ones in one file (that
would void its post-quantum security); `encrypt` refuses such a mix as age does.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey, MLKEM768PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from . import bech32
from .errors import HeaderError
from .format import FILE_KEY_SIZE, Stanza, b64decode, b64encode

TYPE = "mlkem768x25519"
LABEL = b"age-encryption.org/mlkem768x25519"
RECIPIENT_HRP = "age1pq"
IDENTITY_HRP = "AGE-SECRET-KEY-PQ-"
MLKEM_PK = 1184
MLKEM_CT = 1088
PUBLIC_SIZE = MLKEM_PK + 32
ENC_SIZE = MLKEM_CT + 32
SEED_SIZE = 32

_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


class HybridRecipient:
    post_quantum = True

    def __init__(self, public: bytes):
        if len(public) != PUBLIC_SIZE:
            raise ValueError("an mlkem768x25519 recipient is 1,216 bytes")
        self._public = bytes(public)
        # Both halves are validated here (ML-KEM checks the key's encoding).
        self._key = hpke.MLKEM768X25519PublicKey(
            MLKEM768PublicKey.from_public_bytes(public[:MLKEM_PK]),
            X25519PublicKey.from_public_bytes(public[MLKEM_PK:]),
        )

    def wrap(self, file_key: bytes) -> list[Stanza]:
        sealed = _SUITE.encrypt(file_key, self._key, info=LABEL)
        enc, body = sealed[:ENC_SIZE], sealed[ENC_SIZE:]
        return [Stanza(TYPE, [b64encode(enc)], body)]

    def __str__(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self._public)

    def __repr__(self) -> str:
        return f"HybridRecipient({str(self)[:20]}...)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HybridRecipient) and other._public == self._public

    def __hash__(self) -> int:
        return hash(self._public)


class HybridIdentity:
    post_quantum = True

    def __init__(self, seed: bytes):
        if len(seed) != SEED_SIZE:
            raise ValueError("an mlkem768x25519 identity is 32 bytes")
        self._seed = bytes(seed)
        expanded = hashlib.shake_256(self._seed).digest(96)
        mk = MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
        self._x = X25519PrivateKey.from_private_bytes(expanded[64:])
        self._key = hpke.MLKEM768X25519PrivateKey(mk, self._x)
        self._public = mk.public_key().public_bytes_raw() + self._x.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> "HybridIdentity":
        return cls(os.urandom(SEED_SIZE))

    def recipient(self) -> HybridRecipient:
        return HybridRecipient(self._public)

    def unwrap(self, stanzas: list[Stanza]) -> bytes | None:
        for s in stanzas:
            if s.type != TYPE:
                continue
            if len(s.args) != 1:
                raise HeaderError("mlkem768x25519 stanza must have exactly one argument")
            try:
                enc = b64decode(s.args[0])
            except ValueError:
                raise HeaderError("mlkem768x25519 enc is not canonical base64") from None
            if len(enc) != ENC_SIZE:
                raise HeaderError("mlkem768x25519 enc must be 1,120 bytes")
            if len(s.body) != FILE_KEY_SIZE + 16:
                raise HeaderError("mlkem768x25519 stanza body must be 32 bytes")
            # HPKE reports an all-zero X25519 secret as a mere tag failure; the
            # age spec makes it fatal, so check it first.
            try:
                self._x.exchange(X25519PublicKey.from_public_bytes(enc[MLKEM_CT:]))
            except ValueError:
                raise HeaderError("mlkem768x25519 share is a low-order point") from None
            try:
                return _SUITE.decrypt(enc + s.body, self._key, info=LABEL)
            except InvalidTag:
                continue  # ML-KEM rejects implicitly: a foreign stanza fails here
        return None

    def __str__(self) -> str:
        return bech32.encode(IDENTITY_HRP, self._seed).upper()

    def __repr__(self) -> str:  # never the secret
        return "HybridIdentity(***)"
