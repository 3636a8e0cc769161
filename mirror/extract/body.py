"""Find the article body in a cleaned page and turn it into a tidy fragment."""

from __future__ import annotations

import copy
import re
from urllib.parse import urljoin

from lxml import etree

from mirror.extract import vocab
from mirror.extract.dates import to_iso
from mirror.extract.clean import clean_page
from mirror.extract.dom import HEADINGS, drop_tree, norm, unwrap
from mirror.extract.images import resolve_image
from mirror.extract.metadata import Metadata, strip_byline_prefix
from mirror.extract.scoring import Stats, best_candidate, merge_siblings, same_kind_blocks
from mirror.extract.text import is_caption

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
_BLOCKISH = frozenset({"div", "section", "ul", "ol", "table", "dl", "figure", "p", "blockquote"})
# A line that is only a date (and maybe a time, "Updated", "Published").
_DATE_LINE = re.compile(r"^(?:(?:updated|published|posted|atualizado|publicado|aktualisiert|"
                        r"pubblicato|обновлено|опубликовано)\s*:?\s*)?[\w.,\s]{0,20}?\d", re.I)
_BYLINE_TEXT = re.compile(
    r"^(?:[\d/.:\- ]{6,}\s*[-|–·]\s*)?(?:by|por|von|di|oleh|par|автор|текст|av|door|posted by|"
    r"published by|written by|publicado por|postado por|escrito por|pubblicato da|scritto da|"
    r"veröffentlicht von|geschrieben von|ditulis oleh|опубликовал[а]?)(?:\s*:\s*|\s+)"
    r"(?-i:(?![a-zß-ÿа-яё])[^\W\d_])(?!\w*day\b)", re.I)  # a name: no lower-case word


def _find_hints(body) -> list:
    """Elements the page itself marks as the article body (outermost only)."""
    found = []
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        ip = el.get("itemprop")
        if ip and "articleBody" in ip.split() and not any(a in found for a in el.iterancestors()):
            found.append(el)
    return found


def _drop_headers(content, md: Metadata) -> None:
    """Title, byline and date lines are metadata, not body."""
    title = norm(md.title).lower() if md.title else None
    byline = norm(md.byline).lower() if md.byline else None
    seen_text = 0
    for el in list(content.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        tag = el.tag
        if tag == "h1":
            drop_tree(el)
            continue
        if tag in HEADINGS and title and norm("".join(el.itertext())).lower() == title:
            drop_tree(el)
            continue
        if tag in ("p", "div", "span", "address", "small") and seen_text < 400:
            t = norm("".join(el.itertext()))
            if not t:
                continue
            low = t.lower()
            if title and low == title:
                drop_tree(el)
                continue
            if len(t) < 200 and _BYLINE_TEXT.match(t) and t[-1] not in ".!?" and \
                    len(t.split()) <= 8 + 2 * len(el.findall(".//a")) or \
                    len(t) < 80 and ((byline and strip_byline_prefix(low) == byline)
                                     or (len(t.split()) <= 8 and _DATE_LINE.match(t) and to_iso(t))):
                drop_tree(el)
                continue
            if tag == "p":
                seen_text += len(t)


def _is_card(el, stats: Stats) -> bool:
    return bool(stats.text.get(el)) and stats.link_density(el) > 0.8 and \
        sum(1 for _ in el.iter("a")) >= 3


_HEADING_LIKE = frozenset({"h2", "h3", "h4", "h5", "h6", "p", "div", "strong", "b", "span"})


def _text_before(el, content, stats: Stats) -> int:
    """Amount of text that comes before el inside content."""
    n = 0
    node = el
    while node is not None and node is not content:
        for sib in node.itersiblings(preceding=True):
            n += stats.text.get(sib, 0)
        node = node.getparent()
    return n


def _cut_after_headings(content, stats: Stats) -> None:
    """A "Comments" heading ends the article; a "Related stories" heading
    opens a link list that goes with it."""
    total = stats.text.get(content, 0)
    for el in list(content.iter(*_HEADING_LIKE)):
        if el.getparent() is None or len(el) > 3:
            continue
        n = stats.text.get(el, 0)
        if not n or n > 60:
            continue
        txt = norm("".join(el.itertext()))
        if stats.link_density(el) > 0.5 or _text_before(el, content, stats) < min(300, 0.3 * total):
            continue  # a "Comments (3)" jump link at the top, not a section heading
        if vocab.COMMENTS_HEADING.match(txt):
            for sib in list(el.itersiblings()):
                drop_tree(sib)
            drop_tree(el)
        elif vocab.RELATED_HEADING.match(txt):
            for sib in list(el.itersiblings()):
                if not isinstance(sib.tag, str):
                    continue
                if sib.tag in ("ul", "ol") or stats.link_density(sib) > 0.5 or \
                        not stats.text.get(sib) and sib.find(".//img") is not None:
                    drop_tree(sib)
                else:
                    break
            drop_tree(el)


def _conditional_clean(content, stats: Stats) -> None:
    """Drop link lists, labels and other furniture inside the chosen body."""
    _cut_after_headings(content, stats)
    total = max(stats.text.get(content, 0), 1)
    for el in list(content.iter()):
        if el is content or not isinstance(el.tag, str) or el.getparent() is None:
            continue
        tag = el.tag
        if tag in ("img", "br", "hr", "a", "td", "th", "tr", "tbody", "thead"):
            continue
        n = stats.text.get(el)
        if n is None:
            continue
        txt = None
        if n < 120:
            txt = norm("".join(el.itertext()))
            if txt and vocab.BOILER_TEXT.match(txt):
                drop_tree(el)
                continue
        if n < 300 and tag in ("p", "div", "li", "section", "aside", "em", "i", "strong", "b"):
            txt = txt if txt is not None else norm("".join(el.itertext()))
            if vocab.NEWSLETTER.search(txt) or (
                    vocab.FOLLOW.search(txt) and _text_before(el, content, stats) > 0.5 * total):
                drop_tree(el)
                continue
        if tag == "span" and _is_card(el, stats) and \
                not any(_is_card(sub, stats) for sub in el.iterdescendants("span")):
            # Several links packed into an inline box: a hover card or tooltip
            # (the innermost such box: its parent may hold the linked name).
            drop_tree(el)
            continue
        if tag in ("p", "li", "div") and n and n < 250 and stats.link_density(el) > 0.4:
            txt = txt if txt is not None else norm("".join(el.itertext()))
            if vocab.LINK_LABEL.match(txt):
                drop_tree(el)
                continue
        if tag in ("p", "div") and n and stats.link_density(el) > 0.7 and \
                len(el.findall(".//br")) >= 2 and len(el.findall(".//a")) >= 3:
            # Headlines stacked with <br>: a link list dressed as a paragraph.
            drop_tree(el)
            continue
        if tag == "p" and n and n < 150 and stats.link_density(el) > 0.9:
            # A paragraph that is only a link: "read next" headlines.
            drop_tree(el)
            continue
        if tag == "article" and el.getparent() is not content and n < 0.4 * total:
            # An <article> inside the article: a teaser of another story.
            drop_tree(el)
            continue
        if tag not in _BLOCKISH:
            continue
        ld = stats.link_density(el)
        if tag in ("ul", "ol"):
            if ld > 0.6:
                drop_tree(el)
            continue
        if tag in ("div", "section", "table", "dl", "figure"):
            has_img = el.find(".//img") is not None
            if n == 0 and not has_img:
                continue
            if ld > 0.5 and n < 2000 or (ld > 0.33 and n < 200 and not has_img):
                drop_tree(el)


_EMPHASIS = frozenset({"em", "i", "small", "cite"})


def _image_only(el) -> bool:
    if el.tag == "img":
        return True
    return el.find(".//img") is not None and not norm("".join(el.itertext()))


def _mark_captions(fragment) -> None:
    """Captions without caption markup: a block repeating an image's alt
    text, or a short all-italic paragraph right after an image."""
    alts = {norm(img.get("alt")).lower() for img in fragment.iter("img")
            if len(norm(img.get("alt"))) >= 12}
    for el in list(fragment.iter("p", "span", "div", "em", "i", "small")):
        if el.tag == "figcaption" or len(el) > 3:
            continue
        txt = norm("".join(el.itertext()))
        if not txt or len(txt) > 250:
            continue
        if txt.lower() in alts:
            el.tag = "figcaption"
            continue
        if el.tag == "p":
            prev = el.getprevious()
            kids = [c for c in el if isinstance(c.tag, str)]
            if prev is not None and isinstance(prev.tag, str) and _image_only(prev) \
                    and not (el.text or "").strip() and len(kids) == 1 \
                    and kids[0].tag in _EMPHASIS and not (kids[0].tail or "").strip():
                el.tag = "figcaption"


_WS_RUN = re.compile(r"\s+")


def _squeeze_whitespace(fragment) -> None:
    """Indentation from the page's templates means nothing in the fragment
    (except inside <pre>)."""
    pre = {d for p in fragment.iter("pre") for d in p.iter()}
    for el in fragment.iter():
        if el.text and el not in pre:
            el.text = _WS_RUN.sub(" ", el.text)
        if el.tail and el.getparent() not in pre:
            el.tail = _WS_RUN.sub(" ", el.tail)


def _tidy(fragment, base: str | None) -> list[str]:
    """Strip attributes, resolve images and links, unwrap layout-only tags.
    Returns the image URLs in document order."""
    images: list[str] = []
    # Images first: their <picture><source> siblings still have their srcset.
    for el in list(fragment.iter("img")):
        src = resolve_image(el, base)
        if not src:
            drop_tree(el)
            continue
        alt = el.get("alt")
        el.attrib.clear()
        el.set("src", src)
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
        if tag not in ("figure", "figcaption", "table", "body", "html") and el is not fragment \
                and el.get("class") and is_caption(el):
            # Captions outside <figcaption>: mark them so text output skips them
            # and the reader page styles them as captions.
            tag = el.tag = "figcaption"
        keep = _KEEP_ATTRS.get(tag, ())
        saved = [(k, el.get(k)) for k in keep if el.get(k) is not None]
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
        elif tag in ("span", "font", "center", "picture", "noscript", "nobr", "hgroup", "main",
                     "article", "section", "form", "fieldset", "body", "html"):
            if tag in ("section", "article", "main", "form", "fieldset", "body", "html"):
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
        if el.tag in ("div", "p", "li", "ul", "ol", "figure", "blockquote", "h2", "h3", "h4",
                      "h5", "h6", "table", "tr", "td", "dl", "a", "b", "strong", "em", "i") and \
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


def _document_order(body, parts: list) -> list:
    """Parts sorted as in the page, without any part nested in another."""
    chosen = set(parts)
    out = []
    for el in body.iter():
        if el in chosen and not any(a in chosen for a in el.iterancestors()):
            out.append(el)
    return out


def extract_body(root, md: Metadata, url: str | None):
    """The body fragment (a <div> element) and its image URLs, or (None, [])."""
    body = root.find("body")
    if body is None:
        body = root
    hints = _find_hints(body)
    core, prose = clean_page(body, protect=hints)
    stats = Stats(body)
    hints = [h for h in hints if h.getparent() is not None and stats.text.get(h, 0) >= 200]
    top, top_score, scores = best_candidate(body, stats)
    hinted = sum(stats.text.get(h, 0) for h in hints)
    if hints and (top is None or hinted >= 0.5 * stats.text.get(top, 0)
                  or any(h is top or h in top.iterancestors() for h in hints)):
        # The page's own articleBody markup, unless it covers only a sliver
        # of what scoring found.
        parts = hints
    else:
        if top is None:
            return None, []
        if core is not None and core.getparent() is not None and top is not core \
                and core not in set(top.iterancestors()) and top not in set(core.iterancestors()) \
                and prose.get(core, 0) > 2 * prose.get(top, 0):
            # Scores and prose disagree: link-heavy hover cards or widgets
            # inside the real paragraphs can sink their score. Trust the prose.
            top, top_score = core, max(scores.get(core, 0.0), top_score)
        parts = merge_siblings(top, top_score, scores, stats)
        extra = same_kind_blocks(top, top_score, scores, stats)
        if extra:
            parts = _document_order(body, parts + extra)
    fragment = etree.Element("div")
    for p in parts:
        fragment.append(copy.deepcopy(p))
    # Stats for the copies: recompute on the fragment (one more pass, small tree).
    fstats = Stats(fragment)
    _drop_headers(fragment, md)
    _conditional_clean(fragment, fstats)
    images = _tidy(fragment, url)
    return fragment, images
