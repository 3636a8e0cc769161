"""Parsing and small tree helpers shared by the extraction modules."""

from __future__ import annotations

import re
from typing import cast

from lxml import etree

from mirror.errors import ExtractionError

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8",
                           no_network=True, recover=True, huge_tree=False)

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu", "nav", "ol",
    "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "caption", "picture", "video", "audio", "iframe", "noscript", "br",
})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


# Control characters are not allowed in XML-compatible strings (lxml refuses
# to set them back into the tree) and never carry meaning in a page. They are
# single bytes in UTF-8 (never part of a longer sequence), so they are deleted
# from the encoded page (bytes.translate: far faster than a regex over the str).
_CONTROL = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])


def parse(html: str) -> etree._Element:
    """Parse a whole page once; the root <html> element."""
    data = html.encode("utf-8", "replace").translate(None, _CONTROL)
    try:
        # types-lxml says never None, but libxml2 returns no root for a page
        # with no elements (only whitespace, or only a comment).
        root = cast("etree._Element | None", etree.fromstring(data, _PARSER))
    except (etree.ParserError, ValueError) as e:
        raise ExtractionError(f"cannot parse the page as HTML: {e}") from None
    if root is None:
        raise ExtractionError("the page is empty or not HTML")
    _unnest_voids(root)
    return root


# Void in HTML5 but unknown to libxml2's HTML 4 parser, which makes an unclosed
# `<embed src=...>` swallow the rest of the page (and drop it with the embed).
_HTML5_VOID = ("embed", "source", "track", "wbr", "keygen")


def _unnest_voids(root: etree._Element) -> None:
    """Move what libxml2 nested inside an HTML5 void element back after it,
    where an HTML5 parser puts it."""
    for el in list(root.iter(*_HTML5_VOID)):
        kids = list(el)
        if not kids and not el.text:
            continue
        parent, tail = el.getparent(), el.tail or ""
        if parent is None:
            continue
        el.tail, el.text = el.text, None
        at = parent.index(el)
        for i, kid in enumerate(kids, 1):
            parent.insert(at + i, kid)
        last = kids[-1] if kids else el
        last.tail = (last.tail or "") + tail


def norm(s: str | None) -> str:
    """Collapse whitespace (including no-break spaces) to single spaces."""
    return " ".join(s.split()) if s else ""  # (str.split: the same spaces as \s, faster)


def text_upto(el: etree._Element, limit: int) -> str | None:
    """norm() of el's text, or None when that is longer than `limit`: callers
    that only judge short texts stop reading a big subtree early (the
    normalised text of a prefix is never longer than the whole's)."""
    parts: list[str] = []
    n = 0
    check_at = limit
    for t in el.itertext():
        parts.append(t)
        n += len(t)
        if n > check_at:
            if len(norm("".join(parts))) > limit:
                return None
            check_at = 2 * n
    s = norm("".join(parts))
    return s if len(s) <= limit else None


def drop_tree(el: etree._Element) -> None:
    """Remove el and its subtree but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def unwrap(el: etree._Element) -> None:
    """Replace el by its children (and text)."""
    parent = el.getparent()
    if parent is None:
        return
    idx = parent.index(el)
    prev = el.getprevious()
    text = el.text or ""
    if text:
        if prev is not None:
            prev.tail = (prev.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
    children = list(el)
    tail = el.tail or ""
    parent.remove(el)
    for i, c in enumerate(children):
        parent.insert(idx + i, c)
    if tail:
        if children:
            last = children[-1]
            last.tail = (last.tail or "") + tail
        else:
            prev = parent[idx - 1] if idx > 0 else None
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail


# Han, kana and Hangul: one character carries about what two Latin letters do,
# so length thresholds made for alphabetic text count them twice.
_DENSE = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                    r"\uf900-\ufaff]")


def tlen(s: str | None) -> int:
    """Length of a text node without the indentation around it (pretty-printed
    menus are mostly whitespace, which must not count as text); a CJK character
    counts as three: a Chinese line of twenty characters is a sentence, as
    sixty Latin ones are."""
    if not s or s.isspace():
        return 0
    s = s.strip()
    if s.isascii():
        return len(s)
    return len(s) + 2 * len(_DENSE.findall(s))


_NOOP_HREF = re.compile(r"^\s*javascript:\s*(?:void\s*\(\s*0\s*\)|;|//)?\s*;?\s*$", re.I)


def is_link(el: etree._Element) -> bool:
    """Does this element lead somewhere or act? An <a> whose href is an
    empty script call ("javascript:", "javascript:void(0)") and that has no
    onclick handler does neither: its text counts as text, not as links
    (fragment.tidy unwraps it). A script that does something (history.back,
    an onclick share window) is a button and counts with the links."""
    if el.tag != "a":
        return False
    href = el.get("href")
    if href and href[0] not in "jJ%" and not href[0].isspace():
        return True  # (the first character cannot start a "javascript:" href)
    return not (href and _NOOP_HREF.match(href.replace("%20", " ")) and el.get("onclick") is None)
