"""`encrypt` and `decrypt`: the age file, header then payload (the package
docstring describes them; `mirror.crypto.age` exports them)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from typing import TypeVar

from . import armor as _armor
from . import stream as _stream
from .errors import HeaderError, KeyFormatError, MacError, NoMatchError
from .format import FILE_KEY_SIZE, Unwraps, Wraps, encode_header, parse_header, verify_mac
from .keys import Identity, Recipient, parse_identities, parse_recipients
from .scrypt import MAX_WORK_FACTOR, WORK_FACTOR, ScryptIdentity, ScryptRecipient
from .source import Readable, Source, Writable

T = TypeVar("T")

_PEEK = 1100  # enough to tell armor (<= 1,024 bytes of leading whitespace) from binary


def _writer(dst: Writable) -> Callable[[bytes | memoryview], object]:
    """A write function that always writes everything (raw files may write less)."""
    if isinstance(dst, io.RawIOBase):
        write = dst.write

        def write_all(data: bytes | memoryview) -> None:
            mv = memoryview(data)
            while mv:
                n = write(mv)
                if n is None:
                    raise BlockingIOError("destination is non-blocking")
                mv = mv[n:]

        return write_all
    return dst.write


def _many(value: Iterable[T] | str | bytes | None) -> list[T | str | bytes]:
    """None, one string (or bytes) or several values, as a list."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        return [value]
    return list(value)


def _recipients(recipients: Iterable[str | bytes | Wraps] | str | bytes | None) -> list[Wraps]:
    out: list[Wraps] = []
    for r in _many(recipients):
        if isinstance(r, bytes):
            r = r.decode("utf-8")
        if isinstance(r, str):
            out.extend(parse_recipients(r))
        elif callable(getattr(r, "wrap", None)):
            out.append(r)
        else:
            raise TypeError(f"not a recipient: {type(r).__name__}")
    return out


def _identities(identities: Iterable[str | bytes | Unwraps] | str | bytes | None) -> list[Unwraps]:
    out: list[Unwraps] = []
    for i in _many(identities):
        if isinstance(i, bytes):
            i = i.decode("utf-8")
        if isinstance(i, str):
            out.extend(parse_identities(i))
        elif callable(getattr(i, "unwrap", None)):
            out.append(i)
        else:
            raise TypeError(f"not an identity: {type(i).__name__}")
    return out


def encrypt(
    src: Readable,
    dst: Writable,
    *,
    recipients: Iterable[str | Recipient | Wraps] | str = (),
    passphrase: str | bytes | None = None,
    armor: bool = False,
    work_factor: int = WORK_FACTOR,
) -> int:
    """Encrypt all of `src` to `dst`; return the plaintext length.

    `recipients`: recipient strings (or recipients-file text) or objects;
    alternatively `passphrase` (never both: an scrypt stanza must be alone).
    Post-quantum and classical recipients cannot be mixed. `armor` writes
    ASCII armor. `work_factor` is scrypt's log2 N (default 18)."""
    recips: list[Wraps] = _recipients(recipients)
    if passphrase is not None:
        if recips:
            raise KeyFormatError("a passphrase cannot be combined with recipients")
        try:
            recips = [ScryptRecipient(passphrase, work_factor)]
        except ValueError as e:
            raise KeyFormatError(str(e)) from None
    if not recips:
        raise KeyFormatError("no recipients and no passphrase")
    pq = {bool(getattr(r, "post_quantum", False)) for r in recips}
    if len(pq) > 1:
        raise KeyFormatError("post-quantum recipients cannot be mixed with classical ones")

    file_key = os.urandom(FILE_KEY_SIZE)
    stanzas = [s for r in recips for s in r.wrap(file_key)]
    header = encode_header(stanzas, file_key)
    nonce = os.urandom(_stream.NONCE_SIZE)
    key = _stream.payload_key(file_key, nonce)
    del file_key

    out = _armor.ArmorWriter(dst) if armor else None
    write = out.write if out is not None else _writer(dst)
    write(header + nonce)
    total = _stream.encrypt(key, Source(src).readinto, write)
    if out is not None:
        out.close()
    return total


def decrypt(
    src: Readable,
    dst: Writable,
    *,
    identities: Iterable[str | Identity | Unwraps] | str = (),
    passphrases: Iterable[str | bytes] | str = (),
    max_work_factor: int = MAX_WORK_FACTOR,
) -> int:
    """Decrypt `src` (binary or armored, detected) to `dst`; return the plaintext
    length. `identities`: identity strings (or identity-file text) or objects;
    `passphrases` are tried against an scrypt stanza, refusing work factors
    above `max_work_factor`. Raises an `AgeError` subclass."""
    idents = _identities(identities)
    idents += [ScryptIdentity(p, max_work_factor) for p in _many(passphrases)]

    source = Source(src)
    if _armor.looks_armored(source.peek(_PEEK)):
        source = Source(_armor.ArmorReader(source))
    header = parse_header(source)
    if len(header.stanzas) > 1 and any(s.type == "scrypt" for s in header.stanzas):
        raise HeaderError("an scrypt stanza must be alone in the header")

    file_key = None
    for ident in idents:
        file_key = ident.unwrap(header.stanzas)
        if file_key is not None:
            break
    if file_key is None:
        raise NoMatchError("no identity matched any of the file's recipients")
    if not verify_mac(file_key, header):
        raise MacError("header MAC mismatch: the header was tampered with")

    nonce = source.read(_stream.NONCE_SIZE)
    if len(nonce) != _stream.NONCE_SIZE:
        raise HeaderError("missing or short payload nonce")
    key = _stream.payload_key(file_key, nonce)
    del file_key
    return _stream.decrypt(key, source.readinto, _writer(dst))
