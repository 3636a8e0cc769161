"""Recipient and identity strings and the key-file format.

Strings: `age1...` (X25519) and `age1pq1...` (ML-KEM-768 + X25519) recipients,
`AGE-SECRET-KEY-1...` and `AGE-SECRET-KEY-PQ-1...` identities (Bech32; the
human-readable part must have exactly this case). Key files: UTF-8 text, one key
per line, empty lines and lines starting with `#` ignored, CRLF accepted,
other whitespace significant; at least one key; at most 16 MiB.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import bech32
from .errors import KeyFormatError
from .mlkem import HybridIdentity, HybridRecipient
from .x25519 import X25519Identity, X25519Recipient

MAX_KEY_FILE = 16 * 1024 * 1024

Recipient = X25519Recipient | HybridRecipient
Identity = X25519Identity | HybridIdentity


def parse_recipient(s: str) -> Recipient:
    try:
        hrp, data = bech32.decode(s)
    except bech32.Bech32Error as e:
        raise KeyFormatError(f"malformed recipient: {e}") from None
    try:
        if hrp == "age":
            return X25519Recipient(data)
        if hrp == "age1pq":
            return HybridRecipient(data)
    except ValueError as e:
        raise KeyFormatError(f"malformed recipient: {e}") from None
    raise KeyFormatError(f"unsupported recipient type {hrp!r}")


def parse_identity(s: str) -> Identity:
    try:
        hrp, data = bech32.decode(s)
    except bech32.Bech32Error as e:
        raise KeyFormatError(f"malformed secret key: {e}") from None
    try:
        if hrp == "AGE-SECRET-KEY-":
            return X25519Identity(data)
        if hrp == "AGE-SECRET-KEY-PQ-":
            return HybridIdentity(data)
    except ValueError as e:
        raise KeyFormatError(f"malformed secret key: {e}") from None
    raise KeyFormatError("unsupported secret key type")


def _lines(text: str | bytes, what: str) -> Iterator[tuple[int, str]]:
    if isinstance(text, (bytes, bytearray, memoryview)):
        if len(text) > MAX_KEY_FILE:
            raise KeyFormatError(f"{what} file too large")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise KeyFormatError(f"{what} file is not UTF-8") from None
    if len(text) > MAX_KEY_FILE:
        raise KeyFormatError(f"{what} file too large")
    for n, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        if line and not line.startswith("#"):
            yield n, line


def parse_identities(text: str | bytes) -> list[Identity]:
    """Every identity in an identity file (or a single identity string)."""
    out = []
    for n, line in _lines(text, "identity"):
        try:
            out.append(parse_identity(line))
        except KeyFormatError as e:
            raise KeyFormatError(f"identity file line {n}: {e}") from None
    if not out:
        raise KeyFormatError("no identities found")
    return out


def parse_recipients(text: str | bytes) -> list[Recipient]:
    """Every recipient in a recipients file (or a single recipient string)."""
    out = []
    for n, line in _lines(text, "recipients"):
        try:
            out.append(parse_recipient(line))
        except KeyFormatError as e:
            raise KeyFormatError(f"recipients file line {n}: {e}") from None
    if not out:
        raise KeyFormatError("no recipients found")
    return out


def generate_identity(post_quantum: bool = False) -> tuple[str, str]:
    """A new (identity string, recipient string) pair."""
    ident = HybridIdentity.generate() if post_quantum else X25519Identity.generate()
    return str(ident), str(ident.recipient())
