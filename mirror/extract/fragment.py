"""The body fragment as the reader page wants it: absolute image sources and
links, captions marked, layout wrappers and attributes gone, whitespace tidy."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from mirror.extract.dom import drop_tree, norm, text_upto, unwrap
from mirror.extract.images import resolve_image
from mirror.extract.text import is_caption
from mirror.imagerule import FALLBACK_ATTR

_KEEP_ATTRS = {
    "a": ("href", "title"),
    "img": ("src", "alt", "title", "width", "height"),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan", "scope"),
    "time": ("datetime",),
    "blockquote": ("cite",),
    "q": ("cite",),
    "ol": ("start", "type"),
    "abbr": ("title",),
}
_ALLOWED_TAGS = frozenset({
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "q",
    "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "a", "img", "b", "strong", "i", "em", "u", "s", "del", "ins", "sub", "sup", "small", "mark",
    "code", "pre", "kbd", "samp", "var", "abbr", "cite", "time", "br", "hr", "div", "dfn",
    "address", "colgroup", "col", "wbr", "bdi", "bdo",
})

_EMPHASIS = frozenset({"em", "i", "small", "cite"})


def _image_only(el: etree._Element) -> bool:
    if el.tag == "img":
        return True
    return el.find(".//img") is not None and not norm("".join(el.itertext()))


def _mark_captions(fragment: etree._Element) -> None:
    """Captions without caption markup: a block repeating an image's alt
    text, or a short all-italic paragraph (or div, as blog editors write
    them) right after an image."""
    alts = {norm(img.get("alt")).lower() for img in fragment.iter("img")
            if len(norm(img.get("alt"))) >= 12}
    for el in list(fragment.iter("p", "span", "div", "em", "i", "small")):
        if el.tag == "figcaption" or len(el) > 3:
            continue
        # (The text is read only when a test needs it: no alt texts, and the
        # cheap tests of the second kind first.)
        if alts:
            txt = text_upto(el, 250)
            if not txt:
                continue
            if txt.lower() in alts:
                el.tag = "figcaption"
                continue
        if el.tag in ("p", "div"):
            prev = el.getprevious()
            if prev is None or not isinstance(prev.tag, str) or (el.text or "").strip():
                continue
            kids = [c for c in el if isinstance(c.tag, str)]
            if len(kids) == 1 and kids[0].tag in _EMPHASIS and not (kids[0].tail or "").strip() \
                    and _image_only(prev) and (alts or text_upto(el, 250)):
                el.tag = "figcaption"


_WS_RUN = re.compile(r"\s+")
_LOOSE = re.compile(r"\s\s|[\t\n\r\f\v]")


def _squeeze_whitespace(fragment: etree._Element) -> None:
    """Indentation from the page's templates means nothing in the fragment
    (except inside <pre>)."""
    pre = {d for p in fragment.iter("pre") for d in p.iter()}
    for el in fragment.iter():
        t = el.text
        if t and _loose(t) and el not in pre:
            el.text = " " if t.isspace() else _WS_RUN.sub(" ", t)
        t = el.tail
        if t and _loose(t) and el.getparent() not in pre:
            el.tail = " " if t.isspace() else _WS_RUN.sub(" ", t)


def _loose(t: str) -> bool:
    """_LOOSE.search(t), without the regex for indentation (whitespace only,
    by str.isspace, which is the regex's \\s: loose unless it is a single
    character other than \\t \\n \\r \\f \\v)."""
    if t.isspace():
        return len(t) > 1 or t in "\t\n\r\f\v"
    return _LOOSE.search(t) is not None


def tidy(fragment: etree._Element, base: str | None) -> list[str]:
    """Strip attributes, resolve images and links, unwrap layout-only tags.
    Returns the image URLs in document order."""
    images: list[str] = []
    # Images first: their <picture><source> siblings still have their srcset.
    for el in list(fragment.iter("img")):
        src = resolve_image(el, base)
        if not src:
            drop_tree(el)
            continue
        alt, fallback = el.get("alt"), el.get(FALLBACK_ATTR)
        el.attrib.clear()
        el.set("src", src)
        if fallback:  # the image rule's other candidates, tried if src fails
            el.set(FALLBACK_ATTR, fallback)
        if alt:
            el.set("alt", alt)
        if src not in images:
            images.append(src)
    _mark_captions(fragment)
    for el in list(fragment.iter()):
        if el.getparent() is None and el is not fragment:
            continue
        tag = el.tag
        if not isinstance(tag, str):
            drop_tree(el)
            continue
        if tag == "img":
            continue
        if tag not in {"figure", "figcaption", "table", "body", "html"} and el is not fragment \
                and el.get("class") and is_caption(el):
            # Captions outside <figcaption>: mark them so text output skips them
            # and the reader page styles them as captions.
            tag = el.tag = "figcaption"
        keep = _KEEP_ATTRS.get(tag)
        if keep is None:  # (most tags keep no attribute)
            el.attrib.clear()
            continue
        saved = [(k, v) for k in keep if (v := el.get(k)) is not None]
        el.attrib.clear()
        for k, v in saved:
            if k == "href":
                v = v.strip()
                if base and not v.startswith(("#", "javascript:", "mailto:", "data:")):
                    try:
                        v = urljoin(base, v)
                    except ValueError:
                        continue
                if v.lower().startswith(("javascript:", "data:", "vbscript:")):
                    continue
            el.set(k, v)
    for el in list(fragment.iter()):
        if el is fragment or el.getparent() is None:
            continue
        tag = el.tag
        if tag == "source":
            if len(el):
                unwrap(el)
            else:
                drop_tree(el)
        elif tag in {"span", "font", "center", "picture", "noscript", "nobr", "hgroup", "main",
                     "article", "section", "form", "fieldset", "body", "html"}:
            if tag in {"section", "article", "main", "form", "fieldset", "body", "html"}:
                el.tag = "div"
            else:
                unwrap(el)
        elif tag == "h1":
            el.tag = "h2"
        elif tag not in _ALLOWED_TAGS:
            unwrap(el)
    # Empty blocks left over by cleaning.
    for el in reversed(list(fragment.iter())):
        if el is fragment or el.getparent() is None:
            continue
        if el.tag in {"div", "p", "li", "ul", "ol", "figure", "blockquote", "h2", "h3", "h4",
                      "h5", "h6", "table", "tr", "td", "dl", "a", "b", "strong", "em", "i"} and \
                len(el) == 0 and not (el.text or "").strip():
            drop_tree(el)
    # Divs that only wrap one child are noise.
    for el in list(fragment.iter("div")):
        if el is fragment or el.getparent() is None:
            continue
        if not (el.text or "").strip() and len(el) == 1 and not (el[0].tail or "").strip():
            unwrap(el)
    _squeeze_whitespace(fragment)
    while len(fragment) == 1 and fragment[0].tag == "div" and not (fragment.text or "").strip() \
            and not (fragment[0].tail or "").strip():
        unwrap(fragment[0])
    return images
