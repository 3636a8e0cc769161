"""Bylines: from the visible page, and cleaned of "By", dates and times."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from lxml import etree

from mirror.extract.dates import MONTHS
from mirror.extract.fields import clean_ws

_BYLINE_PREFIX = re.compile(
    r"^\s*(?:by|written by|words by|por|von|di|de|par|oleh|door|av|af|автор(?:ы)?:?|"
    r"текст:?|от|posted by|reported by|story by)\s+", re.I)
_BYLINE_CLASS = re.compile(r"byline|author|autor|avtor|writer|article-by|credits?-name", re.I)
_BYLINE_BAD = re.compile(r"bio|avatar|image|photo|img|desc|about|more|follow|social|share|"
                         r"comment|related|box", re.I)


def strip_byline_prefix(s: str) -> str:
    s = clean_ws(s)
    s = _BYLINE_PREFIX.sub("", s)
    return s.strip(" ,|·-–—:")


_MONTH_WORDS = (r"January|February|March|April|May|June|July|August|September|October|November|"
                r"December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.|Monday|Tuesday|Wednesday|"
                r"Thursday|Friday|Saturday|Sunday")
# Where a byline stops and a date, a time or "updated" starts.
_BYLINE_END = re.compile(
    r"(?:(?<=[a-z])(?=(?:" + _MONTH_WORDS + r")\b)|\s*(?:[,|·•–—-]\s*)?\b(?:" + _MONTH_WORDS
    + r")\s+\d|\s*(?:[,|·•–—-]\s*)?\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\s*(?:[,|·•–—-]\s*)?\d{1,2}\.?\s+(?:de\s+)?(?:"
    + _MONTH_WORDS + "|" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b|\s*(?:[,|·•–—-]\s*)?\d+\s+(?:min|minutes?|hours?|hrs?|days?|weeks?)\s+ago|"
    r"\s*(?:[,|·•–—-]\s*)?\b(?:updated|published|posted|last updated|atualizado|aktualisiert)\b)",
    re.I)


def clean_byline(s: str | None) -> str | None:
    """A byline without its "By", and without a date or time glued to it."""
    if not s:
        return None
    s = strip_byline_prefix(html.unescape(s))
    m = _BYLINE_END.search(s)
    if m and m.start() > 1:
        s = s[: m.start()]
    s = s.strip(" ,|·-–—:.")
    if not s or len(s) > 100 or s.startswith(("http://", "https://")):
        return None
    return s


@lru_cache(maxsize=8192)
def _byline_names(cls: str) -> bool:
    """Do a class and id name a byline? (Cached: checked on every element,
    and a page repeats a few names.)"""
    return bool(_BYLINE_CLASS.search(cls) and not _BYLINE_BAD.search(cls))


def visible_byline(root: etree._Element) -> list[str]:
    names: list[str] = []
    body = root.find("body")
    if body is None:
        return names
    # In document order, stopping at the first byline (an XPath selecting the
    # elements with these attributes costs more than walking them all).
    for el in body.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        c, i = el.get("class"), el.get("id")
        itemprop = el.get("itemprop") or ""
        hit = ((c or i) and _byline_names(f"{c or ''} {i or ''}")) or itemprop == "author" \
            or el.get("rel") == "author"
        if not hit or tag in ("meta", "link", "script", "style", "img", "body", "html"):
            continue
        if itemprop == "author":
            n = el.find(".//*[@itemprop='name']")
            if n is not None:
                txt = n.get("content") or "".join(n.itertext())
            else:
                txt = el.get("content") or "".join(el.itertext())
        else:
            txt = "".join(el.itertext())
        txt = clean_byline(txt) or ""
        if 2 <= len(txt) <= 80 and len(txt.split()) <= 10:
            names.append(txt)
            if len(names) >= 1:
                break
    return names
