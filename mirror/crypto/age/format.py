"""The age v1 header: strict unpadded base64, recipient stanzas, the header MAC.

Parsing is strict and follows the checklist of `shared/spec/age-v1.md` §10: the
version line is exactly `age-encryption.org/v1` + LF; a stanza line is `-> `
then single-space-separated arguments of printable ASCII; body lines are
canonical unpadded base64 wrapped at 64 columns and always end with a line
shorter than 64 (possibly empty); the MAC line is exactly `--- ` + 43 base64
characters + LF. CR anywhere is an error. The MAC covers the exact bytes read,
from the version line through `---`.

Caps on hostile input (the format itself has none): a header line may be at most
`MAX_LINE` = 64 KiB (a post-quantum stanza line is ~1.5 KB) and the whole header
at most `MAX_HEADER` = 1 MiB; beyond either, `HeaderError`.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import HeaderError
from .source import Source

VERSION_LINE = b"age-encryption.org/v1\n"
VERSION_PREFIX = b"age-encryption.org/"
MAX_LINE = 64 * 1024
MAX_HEADER = 1024 * 1024
COLUMNS = 64
FILE_KEY_SIZE = 16

_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VCHAR = bytes(range(0x21, 0x7F))


def hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    """HKDF-SHA-256 with a 32-byte output."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def b64encode(data: bytes) -> str:
    """Canonical unpadded standard base64."""
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").decode("ascii")


def b64decode(s: str | bytes) -> bytes:
    """Strict decoding of canonical unpadded base64; ValueError otherwise."""
    if isinstance(s, str):
        try:
            s = s.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("not base64") from None
    if s.translate(None, _B64) or len(s) % 4 == 1:
        raise ValueError("not canonical base64")
    data = binascii.a2b_base64(s + b"=" * (-len(s) % 4), strict_mode=True)
    if binascii.b2a_base64(data, newline=False).rstrip(b"=") != s:
        raise ValueError("not canonical base64")
    return data


@dataclass
class Stanza:
    type: str
    args: list[str]
    body: bytes

    def encode(self) -> bytes:
        line = " ".join([self.type, *self.args]).encode("ascii")
        if line.translate(None, _VCHAR + b" ") or not all([self.type, *self.args]):
            raise ValueError("invalid stanza argument")
        body = b64encode(self.body).encode("ascii")
        lines = [body[i : i + COLUMNS] for i in range(0, len(body), COLUMNS)]
        if len(body) % COLUMNS == 0:
            lines.append(b"")
        return b"-> " + line + b"\n" + b"".join(ln + b"\n" for ln in lines)


class Wraps(Protocol):
    """A recipient: seals a file key into the stanzas of a header."""

    def wrap(self, file_key: bytes) -> list[Stanza]: ...


class Unwraps(Protocol):
    """An identity: the file key from a header's stanzas, or None if none is its own."""

    def unwrap(self, stanzas: list[Stanza]) -> bytes | None: ...


@dataclass
class Header:
    stanzas: list[Stanza]
    mac_input: bytes  # every header byte through "---"
    mac: bytes


def header_mac(file_key: bytes, mac_input: bytes) -> bytes:
    return hmac.new(hkdf(file_key, b"", b"header"), mac_input, hashlib.sha256).digest()


def verify_mac(file_key: bytes, header: Header) -> bool:
    """Constant-time comparison of the header MAC."""
    return hmac.compare_digest(header_mac(file_key, header.mac_input), header.mac)


def encode_header(stanzas: list[Stanza], file_key: bytes) -> bytes:
    head = VERSION_LINE + b"".join(s.encode() for s in stanzas) + b"---"
    return head + b" " + b64encode(header_mac(file_key, head)).encode("ascii") + b"\n"


def parse_header(src: Source) -> Header:
    """Read and validate a binary age header from `src`, leaving `src` at the
    first payload byte. Raises HeaderError."""
    raw = bytearray()

    def line() -> bytes:
        ln = src.readline(MAX_LINE)
        if ln is None:
            raise HeaderError("header line too long")
        if not ln.endswith(b"\n"):
            raise HeaderError("unexpected end of header" if raw or ln else "empty file")
        raw.extend(ln)
        if len(raw) > MAX_HEADER:
            raise HeaderError("header too large")
        return ln

    first = line()
    if first != VERSION_LINE:
        if first.startswith(VERSION_PREFIX) and not first.endswith(b"\r\n"):
            raise HeaderError("unsupported age version")
        raise HeaderError("not an age v1 file (bad version line)")

    stanzas: list[Stanza] = []
    while True:
        ln = line()
        if ln.startswith(b"---"):
            if len(ln) != 48 or ln[3:4] != b" ":
                raise HeaderError("malformed MAC line")
            try:
                mac = b64decode(ln[4:47])
            except ValueError:
                raise HeaderError("malformed MAC line") from None
            if not stanzas:
                raise HeaderError("no recipient stanzas")
            return Header(stanzas, bytes(raw[: len(raw) - len(ln) + 3]), mac)
        if not ln.startswith(b"-> "):
            raise HeaderError("malformed header line")
        args = ln[3:-1].split(b" ")
        for a in args:
            if not a or a.translate(None, _VCHAR):
                raise HeaderError("malformed stanza argument")
        body = bytearray()
        while True:
            bl = line()[:-1]
            if len(bl) > COLUMNS or bl.translate(None, _B64):
                raise HeaderError("malformed stanza body")
            body += bl
            if len(bl) < COLUMNS:
                break
        try:
            data = b64decode(bytes(body))
        except ValueError:
            raise HeaderError("stanza body is not canonical base64") from None
        sargs = [a.decode("ascii") for a in args]
        stanzas.append(Stanza(sargs[0], sargs[1:], data))
