"""Bytes -> str for HTML pages.

Order of trust: byte-order mark, the HTTP header charset, a `<meta>` charset in
the first bytes, strict UTF-8, then a detection step. Cyrillic legacy pages
(windows-1251, koi8-r, iso-8859-5, cp866) are told apart by letter
frequencies, which is far more reliable on short pages than a generic
detector; other pages fall back to charset_normalizer (a dependency of
requests) and finally windows-1252, which never fails.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)

# Most frequent Russian letters (lower case), used to score a Cyrillic decoding.
_FREQUENT = set("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё")
_CYRILLIC_CANDIDATES = ("windows-1251", "koi8-r", "iso-8859-5", "cp866")


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None if unknown.

    Follows the WHATWG rule that latin-1/ascii labels mean windows-1252."""
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    if name in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "iso8859-1"):
        name = "windows-1252"
    if name in ("x-cp1251", "win-1251", "cp-1251"):
        name = "windows-1251"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _declared_in_meta(head: bytes) -> str | None:
    m = _XML_DECL.search(head) or _META_CHARSET.search(head)
    if not m:
        return None
    return normalize_charset(m.group(1).decode("ascii", "ignore"))


def _cyrillic_score(text: str) -> float:
    """Share of letters that are frequent lower-case Russian letters."""
    letters = [c for c in text if c.isalpha() and not c.isascii()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if c in _FREQUENT) / len(letters)


def _guess_cyrillic(data: bytes) -> str | None:
    high = sum(1 for b in data[:20000] if b >= 0x80)
    if high < 20:
        return None
    best, best_score = None, 0.0
    sample = data[:60000]
    for enc in _CYRILLIC_CANDIDATES:
        try:
            score = _cyrillic_score(sample.decode(enc, errors="strict"))
        except UnicodeDecodeError:
            continue
        if score > best_score:
            best, best_score = enc, score
    return best if best_score > 0.6 else None


def detect_charset(data: bytes) -> str:
    """Best guess for undeclared bytes that are not valid UTF-8."""
    guess = _guess_cyrillic(data)
    if guess:
        return guess
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:100000]).best()
        if best is not None and best.encoding:
            enc = normalize_charset(best.encoding)
            if enc:
                return enc
    except Exception:  # noqa: BLE001 - detection is best effort, cp1252 follows
        pass
    return "windows-1252"


def _utf8_ok(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        # A page truncated mid-character is still UTF-8.
        return e.start >= len(data) - 3


def decode_html(data: bytes, http_charset: str | None = None) -> str:
    """Decode an HTML page: BOM, HTTP charset, meta charset, UTF-8, detection."""
    for bom, bom_enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(bom_enc, errors="replace")
    enc = normalize_charset(http_charset)
    if enc is None:
        enc = _declared_in_meta(data[:4096])
        # A page declaring a single-byte Latin charset that is really UTF-8
        # (common after copy-paste) still decodes right.
        if enc == "windows-1252" and _utf8_ok(data) and any(b >= 0x80 for b in data):
            enc = "utf-8"
    if enc is None:
        enc = "utf-8" if _utf8_ok(data) else detect_charset(data)
    if enc in ("utf-16-le", "utf-16-be", "utf-16", "utf-32"):
        # A meta tag cannot truthfully declare UTF-16 for ASCII-compatible bytes.
        enc = "utf-8" if _utf8_ok(data) else detect_charset(data)
    return data.decode(enc, errors="replace")
