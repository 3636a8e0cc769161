"""age v1 file encryption (https://age-encryption.org/v1), on `cryptography` alone.

    from mirror.crypto import age
    age.encrypt(src, dst, *, recipients=(), passphrase=None, armor=False)
    age.decrypt(src, dst, *, identities=(), passphrases=())   # armor detected
    age.generate_identity(post_quantum=False) -> (identity_str, recipient_str)
    age.parse_identities(text) / age.parse_recipients(text)

`src` and `dst` are binary file objects; `src` need not be seekable. Files are
interoperable with `age`/`rage` both ways: X25519 (`age1...`), the post-quantum
hybrid `mlkem768x25519` of age 1.3 (`age1pq1...`), scrypt passphrases, ASCII
armor; unknown stanzas (plugins, rage's grease) are skipped.

Decryption failures raise a subclass of `AgeError` (itself a
`mirror.errors.VerificationError`): `HeaderError`, `NoMatchError`, `MacError`,
`PayloadError`, `ArmorError` -- the failure classes of the age testkit.
Malformed keys and misuse of `encrypt` raise `KeyFormatError` (a `UsageError`).

Streaming and memory: both directions work chunk by chunk in a few 64 KiB
buffers, whatever the file size; `decrypt` writes each 64 KiB chunk to `dst` as
soon as it authenticates, so on a `PayloadError` after N good chunks exactly
those N chunks were written (the caller decides what to do with them; nothing
else is ever buffered or written to disk).

Caps on hostile input: header lines at most 64 KiB, the whole header at most
1 MiB (`HeaderError` beyond); armor at most 1,024 bytes of whitespace before
and after the PEM block, 64 columns per line (`ArmorError`); scrypt work factor
at most `max_work_factor` (default 22, i.e. 4 GiB and ~15 s) on decryption,
refused before scrypt runs (`HeaderError`); key files at most 16 MiB.
Encryption with a passphrase uses log2 N = 18 (`scrypt.WORK_FACTOR`: ~0.7 s
here, the fixed value closest to one second). The header MAC is compared in
constant time. File keys and derived keys are never logged or put in messages.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "encrypt",
    "decrypt",
    "generate_identity",
    "parse_identities",
    "parse_recipients",
    "parse_identity",
    "parse_recipient",
    "Recipient",
    "Identity",
    "AgeError",
    "HeaderError",
    "PayloadError",
    "MacError",
    "NoMatchError",
    "ArmorError",
    "KeyFormatError",
    "X25519Identity",
    "X25519Recipient",
    "HybridIdentity",
    "HybridRecipient",
    "ScryptIdentity",
    "ScryptRecipient",
    "WORK_FACTOR",
    "MAX_WORK_FACTOR",
]

# Each name's submodule. A name is imported on first use (PEP 562), so a
# module that needs only `format` and `stream` (the archive's sealing) does not
# load the recipient types, armor and ML-KEM.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["encrypt", "decrypt"], "api"),
    **dict.fromkeys(["AgeError", "ArmorError", "HeaderError", "KeyFormatError", "MacError", "NoMatchError",
                     "PayloadError"], "errors"),
    **dict.fromkeys(["FILE_KEY_SIZE", "Unwraps", "Wraps"], "format"),
    **dict.fromkeys(["Identity", "Recipient", "generate_identity", "parse_identities", "parse_identity",
                     "parse_recipient", "parse_recipients"], "keys"),
    **dict.fromkeys(["HybridIdentity", "HybridRecipient"], "mlkem"),
    **dict.fromkeys(["MAX_WORK_FACTOR", "WORK_FACTOR", "ScryptIdentity", "ScryptRecipient"], "scrypt"),
    **dict.fromkeys(["Readable", "Source", "Writable"], "source"),
    **dict.fromkeys(["X25519Identity", "X25519Recipient"], "x25519"),
}

if TYPE_CHECKING:
    from .api import decrypt, encrypt
    from .errors import AgeError, ArmorError, HeaderError, KeyFormatError, MacError, NoMatchError, PayloadError
    from .format import FILE_KEY_SIZE, Unwraps, Wraps
    from .keys import (Identity, Recipient, generate_identity, parse_identities, parse_identity, parse_recipient,
                       parse_recipients)
    from .mlkem import HybridIdentity, HybridRecipient
    from .scrypt import MAX_WORK_FACTOR, ScryptIdentity, ScryptRecipient, WORK_FACTOR
    from .source import Readable, Source, Writable
    from .x25519 import X25519Identity, X25519Recipient
else:
    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_EXPORTS})
