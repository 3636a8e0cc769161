"""Bech32 (BIP 173, original checksum constant 1, not Bech32m) as age uses it.

Differences from BIP 173: no 90-character length limit (post-quantum recipients
are ~1,960 characters), and the human-readable part is returned *as written* so
that callers can require the exact case (`age` lowercase for recipients,
`AGE-SECRET-KEY-` uppercase for identities). Mixed-case strings are rejected;
the checksum is always computed over the lowercase form.
"""

from __future__ import annotations

from collections.abc import Iterable

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_REV = {c: i for i, c in enumerate(CHARSET)}
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class Bech32Error(ValueError):
    """Not a valid Bech32 string (the message never repeats the input)."""


def _polymod(values: Iterable[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _GEN[i]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _to5(data: bytes) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def _to8(groups: list[int]) -> bytes:
    acc = bits = 0
    out = bytearray()
    for g in groups:
        acc = (acc << 5) | g
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or (acc & ((1 << bits) - 1)):
        raise Bech32Error("invalid padding bits")
    return bytes(out)


def encode(hrp: str, data: bytes) -> str:
    """Encode `data` under `hrp`; the result is lowercase (upper() it for identities)."""
    hrp = hrp.lower()
    if not hrp or any(not 33 <= ord(c) <= 126 for c in hrp):
        raise Bech32Error("invalid human-readable part")
    groups = _to5(data)
    pm = _polymod(_hrp_expand(hrp) + groups + [0] * 6) ^ 1
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[g] for g in groups + checksum)


def decode(s: str) -> tuple[str, bytes]:
    """Return (hrp as written, data). Raises Bech32Error."""
    if s.lower() != s and s.upper() != s:
        raise Bech32Error("mixed case")
    pos = s.rfind("1")
    if pos < 1 or pos + 7 > len(s):
        raise Bech32Error("separator misplaced")
    hrp = s[:pos]
    if any(not 33 <= ord(c) <= 126 for c in hrp):
        raise Bech32Error("invalid character in human-readable part")
    try:
        groups = [_REV[c] for c in s[pos + 1 :].lower()]
    except KeyError:
        raise Bech32Error("invalid data character") from None
    if _polymod(_hrp_expand(hrp.lower()) + groups) != 1:
        raise Bech32Error("invalid checksum")
    return hrp, _to8(groups[:-6])
