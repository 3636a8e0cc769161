"""Ed25519 signing keys for bundles: files, fingerprints, sign and verify.

The signature covers the exact bytes of `manifest.json`, which holds the
SHA-256 of every other file, so one signature vouches for the whole bundle.
It travels inside the encryption: only recipients learn who signed.

Key file format (text, mode 0600):
    # mirror signing key
    # public key: ed25519:<base64>
    MIRROR-ED25519-SECRET:<base64 of the 32-byte seed>
A public key is written `ed25519:<base64 of 32 bytes>`; its fingerprint is
`SHA256:<unpadded base64 of sha256(raw key)>`, as OpenSSH shows keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mirror import jsonsafe
from mirror.fsutil import create_new
from mirror.errors import UsageError, VerificationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SECRET_PREFIX = "MIRROR-ED25519-SECRET:"
PUBLIC_PREFIX = "ed25519:"
MAX_KEY_FILE = 64 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, size: int, what: str, err: type[Exception]) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise err(f"{what} is not valid base64") from None
    if len(raw) != size:
        raise err(f"{what} must be {size} bytes, not {len(raw)}")
    return raw


def public_text(raw: bytes) -> str:
    return PUBLIC_PREFIX + _b64(raw)


def fingerprint(raw: bytes) -> str:
    return "SHA256:" + _b64(hashlib.sha256(raw).digest()).rstrip("=")


def parse_public(text: str, err: type[Exception] = UsageError) -> bytes:
    text = text.strip()
    if not text.startswith(PUBLIC_PREFIX):
        raise err(f"not an Ed25519 public key (expected '{PUBLIC_PREFIX}...')")
    return _unb64(text[len(PUBLIC_PREFIX):], 32, "public key", err)


@dataclass(frozen=True)
class SigningKey:
    seed: bytes

    def _key(self) -> Ed25519PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public(self) -> bytes:
        from cryptography.hazmat.primitives import serialization as s

        return self._key().public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self._key().sign(message)

    def to_file_text(self) -> str:
        return (f"# mirror signing key\n# public key: {public_text(self.public)}\n"
                f"{SECRET_PREFIX}{_b64(self.seed)}\n")


def generate() -> SigningKey:
    return SigningKey(os.urandom(32))


def _read_small(path: str | Path) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_KEY_FILE + 1)
    except OSError as e:
        raise UsageError(f"cannot read key file {path}: {e.strerror}") from None
    if len(data) > MAX_KEY_FILE:
        raise UsageError(f"{path}: too large for a key file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text key file") from None


def secret_keys(text: str, where: str) -> list[SigningKey]:
    """The signing keys in a key file's text (none if it holds none)."""
    return [SigningKey(_unb64(line[len(SECRET_PREFIX):], 32, f"{where}: signing key", UsageError))
            for line in map(str.strip, text.splitlines()) if line.startswith(SECRET_PREFIX)]


def load_signing_key(path: str | Path) -> SigningKey:
    keys = secret_keys(_read_small(path), str(path))
    if not keys:
        raise UsageError(f"{path}: no signing key found (make one with `mirror keygen --signing`)")
    return keys[0]


def load_trusted(path: str | Path) -> list[bytes]:
    """Public keys from a file: `ed25519:` lines (a signing key file also works:
    its public key is derived)."""
    keys: list[bytes] = []
    for line in _read_small(path).splitlines():
        line = line.strip()
        if line.startswith(SECRET_PREFIX):
            keys.append(SigningKey(_unb64(line[len(SECRET_PREFIX):], 32, f"{path}: key", UsageError)).public)
        elif line.startswith(PUBLIC_PREFIX):
            keys.append(parse_public(line))
        elif line and not line.startswith("#"):
            raise UsageError(f"{path}: not a public key line: {line[:40]!r}")
    if not keys:
        raise UsageError(f"{path}: no public key found")
    return keys


def load_trust(spec: str | Path) -> list[bytes]:
    """One --trust argument or config `bundle.trusted_keys` entry: the
    `ed25519:...` string keygen prints, or a file holding keys (a `.pub`, or
    a signing key file, whose public key is derived)."""
    text = str(spec).strip()
    if text.startswith(PUBLIC_PREFIX):
        return [parse_public(text)]
    return load_trusted(Path(text).expanduser())


def pub_path(path: str | Path) -> Path:
    """Where `keygen --signing -o NAME` puts the public key: NAME.pub."""
    return Path(str(path) + ".pub")


def _create(path: Path, text: str, mode: int) -> None:
    """Create `path` with `text`, never over an existing file."""
    create_new(path, text.encode("ascii"), "a key", mode)


def write_key_file(path: str | Path, key: SigningKey) -> Path:
    """Create `path` (mode 0600) and `path.pub` (the `ed25519:...` line, 0644);
    never overwrite either, and leave neither behind if one cannot be made.
    Returns the .pub path."""
    path = Path(path)
    pub = pub_path(path)
    if os.path.lexists(pub):
        raise UsageError(f"{pub} exists; refusing to overwrite a key")
    _create(path, key.to_file_text(), 0o600)
    try:
        _create(pub, public_text(key.public) + "\n", 0o644)
    except BaseException:
        os.unlink(path)
        raise
    return pub


# -- signature.json ----------------------------------------------------------


def signature_document(key: SigningKey, manifest: bytes) -> bytes:
    doc = {"algorithm": "ed25519", "public_key": public_text(key.public),
           "signature": _b64(key.sign(manifest))}
    return (json.dumps(doc, sort_keys=True, indent=1) + "\n").encode("ascii")


def verify_signature_document(doc_bytes: bytes, manifest: bytes | bytearray) -> bytes:
    """Check signature.json against the manifest; return the signer's raw key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        doc = jsonsafe.loads(doc_bytes)
    except jsonsafe.TooDeep as e:
        raise VerificationError(f"signature.json is {e}") from None
    except (ValueError, UnicodeDecodeError):
        raise VerificationError("signature.json is not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("algorithm") != "ed25519" or set(doc) != {
            "algorithm", "public_key", "signature"}:
        raise VerificationError("signature.json has an unknown format")
    if not isinstance(doc["public_key"], str) or not isinstance(doc["signature"], str):
        raise VerificationError("signature.json has an unknown format")
    pub = parse_public(doc["public_key"], VerificationError)
    sig = _unb64(doc["signature"], 64, "signature", VerificationError)
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, manifest)
    except InvalidSignature:
        raise VerificationError(
            f"bad signature: manifest.json was not signed by {fingerprint(pub)}") from None
    return pub
