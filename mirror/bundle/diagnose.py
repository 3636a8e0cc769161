"""Why a bundle did not open, said the way `age` says it: a wrong passphrase,
a passphrase for a bundle encrypted to keys (or a key for a passphrase
bundle), a signing key or a public key given as an identity, a file that is
not a bundle, a copy cut short. Each is one line and a `VerificationError`
(exit 2); the age layer's own reasons are kept for everything else."""

from __future__ import annotations

import io

from mirror.errors import VerificationError

HEAD = 1 << 20  # an age header is at most 1 MiB (armored: a little more)
ZIP_MAGIC = b"PK\x03\x04"


class Recording:
    """A binary reader that keeps the first `HEAD` bytes read through it, so the
    header can be looked at again after a failure, even on standard input."""

    def __init__(self, f: io.BufferedReader):
        self._f = f
        self.head = bytearray()

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        if len(self.head) < HEAD * 2:
            self.head += data[: HEAD * 2 - len(self.head)]
        return data

    def peek(self, n: int = 1) -> bytes:
        return self._f.peek(n)

    def tail(self) -> bytes:
        """After a failure: the last bytes of the input (reading what is left),
        b"" when the failure came at its very end."""
        last = b""
        while block := self._f.read(1 << 16):
            last = (last + block)[-256:]
        return last


def identity_problem(text: str, where: str) -> VerificationError | None:
    """A key file given with -i that is not an age identity, named for what it is."""
    from mirror.bundle import signing
    from mirror.crypto import age

    try:
        age.parse_identities(text)
        return None
    except age.KeyFormatError:
        pass
    first = next((x.strip() for x in text.splitlines() if x.strip() and not x.startswith("#")), "")
    if first.startswith(signing.SECRET_PREFIX):
        return VerificationError(f"{where} is a signing key (for pack --sign-key), not an age identity: "
                                 "-i needs an AGE-SECRET-KEY-1... file")
    if first.startswith(signing.PUBLIC_PREFIX):
        return VerificationError(f"{where} is a signing public key (for --trust), not an age identity: "
                                 "-i needs an AGE-SECRET-KEY-1... file")
    if first.startswith("age1"):
        return VerificationError(f"{where} holds a recipient (a public key), not an identity: "
                                 "-i needs the secret key file it was made from")
    return VerificationError(f"{where} is not an age identity file (expected an AGE-SECRET-KEY-1... line)")


def _stanza_types(head: bytes) -> list[str] | None:
    from mirror.crypto.age import armor
    from mirror.crypto.age.format import parse_header
    from mirror.crypto.age.source import Source

    try:
        src = Source(io.BytesIO(bytes(head)))
        if armor.looks_armored(src.peek(1024)):
            src = Source(armor.ArmorReader(src))
        return [s.type for s in parse_header(src).stanzas]
    except Exception:  # noqa: BLE001 - only a better message is at stake
        return None


def explain(e: Exception, name: str, seen: Recording, identities: bool, passphrase: bool) -> VerificationError:
    """The message for an age failure `e` while opening `name` (read through
    `seen`), given what the user supplied."""
    from mirror.crypto import age
    from mirror.crypto.age import armor

    head = bytes(seen.head)
    armored = armor.looks_armored(head[:1024])
    if head[:4] == ZIP_MAGIC:
        return VerificationError(f"{name} is a ZIP file, not an encrypted bundle (already decrypted? "
                                 "open its index.html in a browser)")
    if isinstance(e, age.NoMatchError):
        types = _stanza_types(head) or []
        by_passphrase = "scrypt" in types
        if passphrase and by_passphrase:
            return VerificationError(f"{name}: wrong passphrase")
        if passphrase and types:
            return VerificationError(f"{name} is encrypted to keys, not a passphrase (use -i IDENTITY)")
        if identities and by_passphrase:
            return VerificationError(f"{name} is encrypted with a passphrase, not to a key "
                                     "(use --passphrase-file F, or leave out -i to be asked)")
        return VerificationError(f"{name} is not encrypted to the identity given (-i): wrong key")
    text = str(e)
    if isinstance(e, age.ArmorError):
        if b"-----END AGE ENCRYPTED FILE-----" not in head + seen.tail():
            return VerificationError(f"{name} is truncated: the armored text ends before its END line "
                                     "(an incomplete copy?)")
        return VerificationError(f"{name}: the ASCII armor is damaged ({text})")
    if isinstance(e, age.HeaderError):
        if text == "empty file":
            return VerificationError(f"{name} is empty")
        if not armored and not head.startswith(b"age-encryption.org/"):
            return VerificationError(f"{name} is not an age file or a mirror bundle")
        if text in ("unexpected end of header", "missing or short payload nonce"):
            return VerificationError(f"{name} is truncated: it ends inside the header (an incomplete copy?)")
    if isinstance(e, age.PayloadError):
        what = "armored bundle" if armored else "bundle"
        if "truncated" in text or ("failed to authenticate" in text and not seen.tail()):
            # (a cut copy ends in a partial chunk that cannot authenticate: so may an altered last chunk)
            return VerificationError(f"{name} is truncated (an incomplete copy?) or its end was altered: "
                                     f"the {what} ends before its last whole chunk ({text})")
        if "failed to authenticate" in text:
            return VerificationError(f"{name} is damaged or was altered: the {what}'s content "
                                     f"does not authenticate ({text})")
    return e if isinstance(e, VerificationError) else VerificationError(f"{name}: {text}")
