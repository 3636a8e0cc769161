"""Page-wide cleaning before the body is looked for: markup that can never be
article text (scripts, forms, navigation, hidden blocks) and blocks whose
class or id says they are furniture (share bars, comments, related lists...)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from mirror.extract import vocab
from mirror.extract.dom import HEADINGS, drop_tree, is_link, norm, tlen, unwrap
from mirror.extract.images import best_src

# Never article content; dropped with their subtree before anything is measured.
CODE_TAGS = ("script", "style", "iframe", "object", "embed", "svg", "canvas", "button", "input",
             "select", "textarea", "template", "link", "meta", "dialog", "map", "head", "title",
             "label", "option", "applet", "frame", "frameset", "audio", "video", "track",
             "param", "base", "area")
# Page furniture by tag; dropped unless it holds the article's prose.
# (<address> is contact information for the page or its author, by definition.)
DROP_TAGS = frozenset({"nav", "aside", "footer", "header", "menu", "address"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_ROLE_DROP = frozenset({"navigation", "banner", "contentinfo", "complementary", "search",
                        "dialog", "alertdialog", "menu", "menubar", "toolbar", "alert"})
_PROTECTED = frozenset({"html", "body", "main"})
# A paywall box holding this much plain paragraph text is the gated part of
# the story, not a subscription prompt.
GATED_PROSE = 300
# Inline markup inside sentences: a class like "player-link" on a name must
# not cut the name out of the sentence.
_INLINE = frozenset({"a", "b", "strong", "i", "em", "u", "abbr", "time", "small", "sub", "sup",
                     "font", "cite", "q", "mark", "code", "s"})


HIDDEN_MAX_SHARE = 0.7


def _maybe_styled_hidden(body: etree._Element) -> list[etree._Element]:
    """The descendants that can be _styled_hidden, in document order: the
    hidden attribute, or "none" or "hidden" in the style (a Python walk: an
    XPath with that predicate costs twice as much)."""
    out: list[etree._Element] = []
    for el in body.iterdescendants(etree.Element):  # (elements only, as XPath's *)
        st = el.get("style")
        if (st and ("none" in st or "hidden" in st)) or el.get("hidden") is not None:
            out.append(el)
    return out


def _styled_hidden(el: etree._Element) -> bool:
    """Hidden by the page's own markup (the hidden attribute or an inline
    style), not by a script's state such as aria-hidden."""
    st = el.get("style")
    return el.get("hidden") is not None or bool(st and _HIDDEN_STYLE.search(st))


_LAZY_HINT = re.compile(r"lazy|data-src|data-original", re.I)


def _noscript(el: etree._Element) -> bool:
    """Keep a <noscript> only when it carries a real image; return True if it
    was unwrapped. When it follows a lazy <img> (placeholder src), its image
    becomes that img's source and the copy goes."""
    imgs = list(el.iter("img"))
    if not imgs:
        return False
    prev = el.getprevious()
    lazy: list[etree._Element] = []
    if prev is not None and isinstance(prev.tag, str):
        lazy = [prev] if prev.tag == "img" else list(prev.iter("img"))
    if lazy:
        real = imgs[0].get("src")
        missing = [img for img in lazy if best_src(img) is None]
        for img in missing:
            if real:
                img.set("src", real)
        if missing or any(_LAZY_HINT.search(" ".join(f"{k} {v}" for k, v in img.attrib.items()))
                          for img in lazy):
            return False
    unwrap(el)
    return True


_PARA = frozenset({"p", "pre", "blockquote", "dd", "td"})


def content_lengths(root: etree._Element) -> tuple[dict[etree._Element, int], dict[etree._Element, int]]:
    """Per element: length of all text under it, and of the text of its
    paragraphs that look like prose (long enough, few links; no entry where
    there is none: read it with .get(el, 0)). One bottom-up pass."""
    text: dict[etree._Element, int] = {}
    prose: dict[etree._Element, int] = {}
    links: dict[etree._Element, int] = {}
    text_get, prose_get, links_get = text.get, prose.get, links.get
    for el in reversed(list(root.iter())):
        n = text_get(el, 0)
        t = el.text
        # (Most text nodes are absent or indentation, most others ASCII: tlen
        # only for the rest.)
        if t and not t.isspace():
            t = t.strip()
            n += len(t) if t.isascii() else tlen(t)
        text[el] = n
        tag = el.tag
        lk = n if tag == "a" and is_link(el) else links_get(el, 0)
        pr = prose_get(el, 0)
        if tag in _PARA and n >= 60 and lk < 0.3 * n:
            pr = n
        elif tag == "div" and pr == 0 and n >= 100 and lk < 0.3 * n:
            pr = n  # text written straight into a div, with <br> line breaks
        parent = el.getparent()
        if parent is not None:
            t = el.tail
            if t and not t.isspace():
                t = t.strip()
                text[parent] = text_get(parent, 0) + n + (len(t) if t.isascii() else tlen(t))
            else:
                text[parent] = text_get(parent, 0) + n
            if pr:
                prose[parent] = prose_get(parent, 0) + pr
            if lk:
                links[parent] = links_get(parent, 0) + lk
        if pr:  # (prose is read with .get(el, 0): zeros need no entry)
            prose[el] = pr
    return text, prose


def prose_core(root: etree._Element, prose: dict[etree._Element, int],
               unseen: frozenset[etree._Element] | set[etree._Element] = frozenset()
               ) -> etree._Element | None:
    """The element that directly holds the most prose (parent gets a
    paragraph's length, grandparent half): the article's likely home.
    Prose in `unseen` (hidden blocks) does not count."""
    gather: dict[etree._Element, float] = {}
    for el in root.iter(*_PARA, "div"):
        n = prose.get(el, 0)
        if not n or (el.tag == "div" and any(prose.get(c, 0) for c in el)) or el in unseen:
            continue
        parent = el.getparent()
        if parent is None:
            continue
        gather[parent] = gather.get(parent, 0) + n
        grand = parent.getparent()
        if grand is not None:
            gather[grand] = gather.get(grand, 0) + n / 2
    if not gather:
        return None
    return max(gather, key=gather.__getitem__)


def _paragraph_style(core: etree._Element, prose: dict[etree._Element, int]) -> list[etree._Element]:
    """The core's paragraphs that share one class with most of its prose
    paragraphs: that class is the story's paragraph style, whatever word it
    uses ("paywall", "share-quote"...), not a furniture marker."""
    paras = [c for c in core if isinstance(c.tag, str) and prose.get(c, 0)]
    counts: dict[str, int] = {}
    for c in paras:
        cls = c.get("class")
        if cls:
            counts[cls] = counts.get(cls, 0) + 1
    styles = {cls for cls, n in counts.items() if n >= 3 and 2 * n >= len(paras)}
    if not styles:
        return []
    return [c for c in core if isinstance(c.tag, str) and c.get("class") in styles]


_SLUG_GAPS = re.compile(r"[\W_]+")
_COUNTER = re.compile(r"-\d+$")


def _slug(text: str) -> str:
    return _SLUG_GAPS.sub("-", text.lower()).strip("-")


def _topic_anchor(el: etree._Element) -> bool:
    """Is the id that made el look like furniture only the anchor of its own
    heading ("sharing-with-a-single-developer", as documentation generators
    and Markdown renderers derive ids)? Such an id names the section's topic,
    not its role: the heading itself is the evidence then, and only a
    comments or related-stories heading makes it furniture."""
    ident = el.get("id")
    cls = el.get("class")
    if not ident or (cls and vocab.negative(vocab.key_of_class(cls))):
        return False
    head = next((c for c in el[:3] if isinstance(c.tag, str) and c.tag in HEADINGS), None)
    if head is None:
        return False
    title = norm("".join(head.itertext()))
    slug = _slug(title)
    if not slug or _COUNTER.sub("", _slug(ident)) != slug:
        return False
    return not (vocab.COMMENTS_HEADING.match(title) or vocab.RELATED_HEADING.match(title))


def clean_page(body: etree._Element, protect: Iterable[etree._Element] | None = None
               ) -> tuple[etree._Element | None, dict[etree._Element, int]]:
    """Remove non-content markup in place. `protect` lists elements (e.g. the
    itemprop=articleBody blocks) that must survive with their ancestors.
    Returns the prose core (see prose_core) and the prose lengths."""
    etree.strip_elements(body, *CODE_TAGS, with_tail=False)
    protected: set[etree._Element] = set()
    for el in protect or ():
        protected.update(el.iterancestors())
        protected.add(el)
    lengths, prose = content_lengths(body)
    total = max(lengths.get(body, 0), 1)
    total_prose = max(prose.get(body, 0), 1)
    # Embedded posts quoted by the story sit in wrappers named "widget" or
    # "social": keep the nearest few wrappers of each.
    for bq in body.iter("blockquote"):
        if vocab.embed(vocab.key_of(bq)):
            for i, anc in enumerate(bq.iterancestors()):
                if i >= 3:
                    break
                protected.add(anc)
    # A formula (MathML) is part of the text; its renderer's wrappers have
    # classes that read as furniture ("CtxtMenu"): the nearest few are not
    # judged by their class (a hidden copy still goes).
    formula = {anc for math in body.iter("math") for _, anc in zip(range(3), math.iterancestors())}
    # A block the page's own markup hides is not read, however much prose it
    # holds, while most of the prose is elsewhere (a page that hides nearly
    # all of it reveals it by script: that text stays).
    hidden: list[etree._Element] = [el for el in _maybe_styled_hidden(body) if _styled_hidden(el)
              and prose.get(el, 0) <= HIDDEN_MAX_SHARE * total_prose and el not in protected]
    unseen = {d for el in hidden for d in el.iter()}
    core = prose_core(body, prose, unseen)
    if core is not None:
        protected.update(core.iterancestors())
        protected.add(core)
        protected.update(_paragraph_style(core, prose))
    key_of_class = vocab.key_of_class
    drop: list[etree._Element] = []
    unwraps: list[etree._Element] = []
    dropped: set[etree._Element] = set()
    for el in body.iter():
        tag = el.tag
        if not isinstance(tag, str):
            drop.append(el)
            continue
        parent = el.getparent()
        if parent in dropped:
            dropped.add(el)
            continue
        if el in protected:
            continue
        reason = False
        if tag == "noscript":
            unwraps.append(el)
            continue
        elif tag == "form":
            # ASP.NET pages wrap everything in one form: keep big forms' content.
            if lengths.get(el, 0) > 0.3 * total:
                unwraps.append(el)
            else:
                reason = True
        elif tag in _PROTECTED:
            continue
        else:
            # Furniture: by tag, hidden (the hidden attribute, aria-hidden or an
            # inline style), by role, or by class and id (vocab.key_of, inline).
            cls, ident = el.get("class"), el.get("id")
            k = f"{cls} {ident}" if cls and ident else cls or ident
            key = key_of_class(k) if k else ""
            st = el.get("style")
            furniture = (tag in DROP_TAGS or el.get("hidden") is not None
                         or el.get("aria-hidden") == "true" or bool(st and _HIDDEN_STYLE.search(st))
                         or (el.get("role") or "") in _ROLE_DROP
                         or el.get("rel") == "author" or el.get("itemprop") == "author"
                         or (key and tag not in _INLINE and vocab.negative(key)
                             and not vocab.embed(key) and not _topic_anchor(el) and el not in formula)
                         or (key and prose.get(el, 0) < GATED_PROSE and vocab.gate(key)))
            # A wrapper holding most of the page's prose is the article, whatever
            # its class says ("page sidebar-enabled", "lightbox", aria-hidden...).
            reason = bool(furniture) and (prose.get(el, 0) < 0.5 * total_prose or el in unseen)
        if reason:
            drop.append(el)
            dropped.add(el)
    for el in reversed(unwraps):  # later noscripts first: see _noscript
        if el.getparent() is not None and el not in dropped:
            if el.tag == "noscript":
                if not _noscript(el):
                    drop_tree(el)
            else:
                unwrap(el)
    for el in drop:
        if el.getparent() is not None:
            drop_tree(el)
    return core, prose
