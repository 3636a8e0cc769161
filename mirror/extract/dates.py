"""Dates as found on pages -> ISO 8601 strings."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

MONTHS = {
    # English, German, Portuguese, Italian, Spanish, French, Indonesian (prefixes)
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    "januar": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7,
    "okt": 10, "dez": 12,
    "janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "abril": 4, "maio": 5,
    "junho": 6, "julho": 7, "agosto": 8, "setembro": 9, "outubro": 10, "novembro": 11,
    "dezembro": 12, "fev": 2, "abr": 4, "ago": 8, "set": 9, "out": 10,
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "settembre": 9, "ottobre": 10, "dicembre": 12, "gen": 1, "mag": 5, "giu": 6,
    "lug": 7, "dic": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "mayo": 5, "junio": 6, "julio": 7,
    "septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7,
    "août": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
    "januari": 1, "februari": 2, "maret": 3, "agustus": 8, "oktober": 10,
    "desember": 12, "nopember": 11,
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6,
    "июль": 7, "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}

_ISO_LIKE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?")
_DMY_NUM = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b(?:\D{1,4}(\d{1,2}):(\d{2}))?")
# 2024年4月8日 17時05分, 2024년 9월 3일, 2024.09.03 14:20 (year first, East Asian style)
_YMD = re.compile(r"(?<![0-9A-Za-z.])(\d{4})\s*(?:[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]|"
                  r"[./](\d{1,2})[./](\d{1,2})(?!\d))"
                  r"(?:\D{0,6}?(\d{1,2})\s*[:時시]\s*(\d{2}))?")
_WORDY = re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
                    r"|(\d{1,2})(?:st|nd|rd|th)?\.?\s+(?:de\s+)?([^\W\d_]+)\.?,?\s+(?:de\s+)?(\d{4})",
                    re.UNICODE)


def _fmt(y: int, mo: int, d: int, h: str | None = None, mi: str | None = None,
         s: str | None = None, tz: str | None = None) -> str | None:
    try:
        datetime(y, mo, d)
    except ValueError:
        return None
    if not 1990 <= y <= 2100:
        return None
    if h is None or mi is None:  # (the patterns match hour and minute together)
        return f"{y:04d}-{mo:02d}-{d:02d}"
    out = f"{y:04d}-{mo:02d}-{d:02d}T{int(h):02d}:{int(mi):02d}:{int(s or 0):02d}"
    if tz:
        if tz == "Z":
            out += "Z"
        else:
            tz = tz.replace(":", "")
            out += f"{tz[:3]}:{tz[3:]}"
    return out


def _month(word: str) -> int | None:
    w = word.lower().rstrip(".")
    if w in MONTHS:
        return MONTHS[w]
    if len(w) >= 3 and w[:3] in MONTHS and w.isascii():
        return MONTHS[w[:3]]
    return None


def to_iso(value: str | None) -> str | None:
    """Normalise a date string to ISO 8601 (date, or date-time with offset)."""
    if not value:
        return None
    value = value.strip()
    if not value:
        return None
    m = _ISO_LIKE.search(value)
    if m:
        y, mo, d, h, mi, s, tz = m.groups()
        return _fmt(int(y), int(mo), int(d), h, mi, s, tz)
    m = _COMPACT.match(value)
    if m and len(value) >= 8:
        y, mo, d, h, mi, s = m.groups()
        r = _fmt(int(y), int(mo), int(d), h, mi, s)
        if r:
            return r
    if value.isdigit() and len(value) in (10, 13):  # unix time (s or ms)
        ts = int(value) / (1000 if len(value) == 13 else 1)
        dt = datetime.fromtimestamp(ts, tz=timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        dt = parsedate_to_datetime(value)
        if dt is not None:
            return dt.isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    m = _DMY_NUM.search(value)
    if m:
        d, mo, y, h, mi = m.groups()
        return _fmt(int(y), int(mo), int(d), h, mi)
    m = _YMD.search(value)
    if m:
        y, mo, d, mo2, d2, h, mi = m.groups()
        r = _fmt(int(y), int(mo or mo2), int(d or d2), h, mi)
        if r:
            return r
    for m in _WORDY.finditer(value):
        if m.group(1):
            mo, d, y = _month(m.group(1)), m.group(2), m.group(3)
        else:
            d, mo, y = m.group(4), _month(m.group(5)), m.group(6)
        if mo:
            r = _fmt(int(y), mo, int(d))
            if r:
                return r
    return None
