"""Main-content detection: score text blocks, pass the scores up to their
containers, pick the best container and merge its good siblings.

A variant of the Readability algorithm: paragraph-like blocks earn points for
length and commas; containers collect them (parent fully, grandparent half,
great-grandparent a third); a container's final score is damped by its link
density and nudged by content/boilerplate words in its class and id.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TypeAlias

from lxml import etree

from mirror.extract import vocab
from mirror.extract.dom import is_link, tlen

PARA_TAGS = frozenset({"p", "pre", "td", "blockquote", "li", "dd"})
_INLINE = frozenset({"a", "b", "i", "em", "strong", "span", "u", "small", "sup", "sub", "font",
                     "abbr", "cite", "q", "mark", "time", "code", "s", "del", "ins", "br",
                     "img", "bdi", "bdo", "dfn", "kbd", "samp", "var", "wbr", "big", "tt"})
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_COMMAS = ",，、،"


def _commas(txt: str) -> int:
    """Commas of any script in txt (str.count, no regex)."""
    return sum(txt.count(c) for c in _COMMAS)


_TAG_BONUS = {"div": 5, "article": 10, "main": 5, "section": 3, "pre": 3, "td": 3,
              "blockquote": 3, "form": -3, "ol": -3, "ul": -3, "dl": -3, "li": -3,
              "dd": -3, "address": -3, "th": -5, "span": 0, "body": -5}


class Stats:
    """Text and link-text lengths of every element, computed in one pass."""

    __slots__ = ("text", "links", "own")

    def __init__(self, root: etree._Element) -> None:
        text: dict[etree._Element, int] = {}
        links: dict[etree._Element, int] = {}
        own: dict[etree._Element, int] = {}
        text_get, links_get, own_get = text.get, links.get, own.get
        for el in reversed(list(root.iter())):
            s = el.text
            # (Most text nodes are absent or indentation, most others ASCII:
            # tlen only for the rest.)
            if s and not s.isspace():
                s = s.strip()
                t = len(s) if s.isascii() else tlen(s)
            else:
                t = 0
            o = own_get(el, 0) + t
            if o:  # (own is read with .get(el, 0): zeros need no entry)
                own[el] = o
            n = text_get(el, 0) + t
            text[el] = n
            tag = el.tag
            if tag == "a" and is_link(el):
                links[el] = n
            parent = el.getparent()
            if parent is not None:
                s = el.tail
                if s and not s.isspace():
                    s = s.strip()
                    tail = len(s) if s.isascii() else tlen(s)
                else:
                    tail = 0
                text[parent] = text_get(parent, 0) + n + tail
                lk = links_get(el, 0)
                if lk:  # (read with .get(el, 0) everywhere)
                    links[parent] = links_get(parent, 0) + lk
                if tag in _INLINE and tag != "a":
                    tail += n
                if tail:
                    own[parent] = own_get(parent, 0) + tail
        self.text = text
        self.links = links
        self.own = own

    def link_density(self, el: etree._Element) -> float:
        t = self.text.get(el, 0)
        return self.links.get(el, 0) / t if t else 0.0


def class_weight(el: etree._Element) -> int:
    key = vocab.key_of(el)
    if not key:
        return 0
    w = 0
    if vocab.negative(key):
        w -= 25
    if vocab.positive(key):
        w += 25
    return w


def _holds_paragraphs(el: etree._Element, stats: Stats) -> bool:
    return any(isinstance(d.tag, str) and d.tag != "td" and _is_para(d, stats)
               for d in el.iterdescendants())


def _as_paragraph(el: etree._Element, stats: Stats) -> bool:
    """Does el score as one paragraph with all its text (PARA_TAGS), rather
    than by the text it holds directly? A layout cell holding paragraphs (or
    text-holding wrappers) is a container: scoring it as one big paragraph
    too would hand its whole text to the table row, which then wins with the
    menu column beside it."""
    tag = el.tag
    if tag == "td":
        return not _holds_paragraphs(el, stats)
    return tag in PARA_TAGS


def _is_para(el: etree._Element, stats: Stats) -> bool:
    tag = el.tag
    if tag in PARA_TAGS:
        # (A cell holding paragraphs is not one itself: it scores through them.)
        return _as_paragraph(el, stats)
    if tag in _HOLDERS:
        # A container holding text directly (text + inline children) acts as a paragraph.
        return stats.own.get(el, 0) >= 25
    return False


_HOLDERS = frozenset({"div", "section", "article", "span", "font", "center", "main", "td", "body"})


def score_candidates(body: etree._Element, stats: Stats) -> dict[etree._Element, float]:
    """Container -> score, before link-density damping."""
    scores: dict[etree._Element, float] = {}
    own_get = stats.own.get
    for el in body.iter():
        # (_is_para and _as_paragraph, inline: one call per element less.)
        tag = el.tag
        if tag in PARA_TAGS:
            if tag == "td" and _holds_paragraphs(el, stats):
                continue
            whole = True
        elif tag in _HOLDERS and own_get(el, 0) >= 25:
            whole = False
        else:
            continue
        n = stats.text.get(el, 0) if whole else own_get(el, 0)
        if n < 25:
            continue
        if whole:
            txt = "".join(el.itertext())
        else:
            txt = (el.text or "") + "".join((c.tail or "") for c in el)
        points: float = 1 + _commas(txt) + min(n // 100, 3)
        # Text with many links (menus, link lists) earns little.
        points *= (1 - stats.link_density(el)) if whole else 1
        level = 0
        if whole:
            node = el.getparent()
        else:
            scores.setdefault(el, _initial(el))
            scores[el] += points
            node = el.getparent()
            level = 1
        while node is not None and level < 3:
            if node not in scores:
                scores[node] = _initial(node)
            scores[node] += points / (1 if level == 0 else (2 if level == 1 else level * 3))
            node = node.getparent()
            level += 1
    return scores


def _initial(el: etree._Element) -> float:
    bonus = _TAG_BONUS.get(el.tag, 0) if isinstance(el.tag, str) else 0
    return bonus + class_weight(el)


def best_candidate(body: etree._Element, stats: Stats,
                   accept: Callable[[etree._Element, Stats], bool] | None = None
                   ) -> tuple[etree._Element | None, float, dict[etree._Element, float]]:
    """The element most likely to be the article body, and all scores.
    `accept(el, stats)`, when given, vetoes candidates that cannot be an
    article whatever they score (the next best is taken)."""
    scores = score_candidates(body, stats)
    for outer in body.iterancestors():
        # Scores climb past <body> to <html>, whose text includes the head
        # (title, JSON-LD): never a candidate, even when every block in the
        # body carries a boilerplate class.
        scores.pop(outer, None)
    for el, s in scores.items():
        scores[el] = s * (1 - stats.link_density(el))
    for el in sorted(scores, key=lambda e: scores[e], reverse=True):
        if accept is None or accept(el, stats):
            return el, scores[el], scores
    return None, float("-inf"), scores


SIBLING_POINTS = 3.0
"""Points a sibling must earn from its text, beyond its tag and class bonus,
to merge by score: a header whose class reads as content ("article-header")
holding one short line is not more of the story."""


def merge_siblings(top: etree._Element, top_score: float, scores: dict[etree._Element, float],
                   stats: Stats, accept: Callable[[etree._Element, Stats], bool] | None = None
                   ) -> list[etree._Element]:
    """The top candidate plus siblings that look like more of the same article
    (never one `accept` vetoes as an article: a stream of teasers)."""
    parent = top.getparent()
    if parent is None:
        return [top]
    threshold = max(10.0, top_score * 0.35)
    top_class = top.get("class")
    out = []
    for sib in parent:
        if not isinstance(sib.tag, str):
            continue
        if sib is top:
            out.append(sib)
            continue
        if sib.tag in ("ul", "ol") and _is_card_list(sib):
            continue
        bonus = top_score * 0.2 if top_class and sib.get("class") == top_class else 0
        s = scores.get(sib)
        if s is not None and s + bonus >= threshold and s - _initial(sib) >= SIBLING_POINTS \
                and (accept is None or accept(sib, stats)):
            out.append(sib)
            continue
        if sib.tag == "p":
            n = stats.text.get(sib, 0)
            ld = stats.link_density(sib)
            txt = "".join(sib.itertext()).strip()
            if n > 80 and ld < 0.25:
                out.append(sib)
            elif 0 < n <= 80 and ld == 0 and txt[-1:] in ".!?…":
                out.append(sib)
    if len(out) > 1:
        # Headings between merged blocks belong to them (sub-headings, or the
        # "Comments" title that lets later cleaning cut the comments off).
        chosen = set(out)
        first, last = out[0], out[-1]
        inside = False
        with_heads = []
        for sib in parent:
            if sib is first:
                inside = True
            if inside and (sib in chosen or sib.tag in _HEADINGS):
                with_heads.append(sib)
            if sib is last:
                break
        out = with_heads
    return out


def _is_card_list(lst: etree._Element) -> bool:
    """A list whose items hold paragraphs or boxes (comments, story cards),
    not the sentences of a bullet list nor headed listicle sections: never
    more of the article."""
    items = [li for li in lst if li.tag == "li"]
    boxed = sum(1 for li in items if li.find(".//p") is not None or li.find(".//div") is not None)
    if len(items) < 2 or 2 * boxed < len(items):
        return False
    # Items under their own (unlinked) headings are the sections of a listicle.
    return not any(_unlinked_heading(li) for li in items)


def _unlinked_heading(el: etree._Element) -> bool:
    for h in el.iter("h2", "h3", "h4", "h5", "h6"):
        if "".join(h.itertext()).strip() and h.find(".//a") is None:
            return True
    return False


def same_kind_blocks(top: etree._Element, top_score: float, scores: dict[etree._Element, float],
                     stats: Stats) -> list[etree._Element]:
    """Other blocks with the top candidate's tag and class: articles split into
    several sections (around ads or media) repeat their body container."""
    cls = top.get("class")
    if not cls or not cls.strip():
        return []
    top_runs = {_run_key(a) for a in top.iterancestors() if _in_run(a)}
    out = []
    for el, s in scores.items():
        if el is top or el.tag != top.tag or el.get("class") != cls:
            continue
        if s >= 0.2 * top_score and stats.link_density(el) < 0.3 and \
                not _in_foreign_run(el, top_runs):
            out.append(el)
    return out


# (parent, tag, class) of one item of a run of repeated siblings
_RunKey: TypeAlias = tuple[etree._Element | None, object, str | None]


def _run_key(el: etree._Element) -> _RunKey:
    return el.getparent(), el.tag, el.get("class")


def _in_run(el: etree._Element) -> bool:
    """Is el one of three or more same-tag, same-class siblings (list items,
    cards, comments)?"""
    parent = el.getparent()
    if parent is None:
        return False
    key = (el.tag, el.get("class"))
    return sum(1 for c in parent if (c.tag, c.get("class")) == key) >= 3


def _in_foreign_run(el: etree._Element, top_runs: set[_RunKey]) -> bool:
    """Is el inside a run of repeated items (comments, teaser cards) that the
    top candidate is not part of? A generic class ("text", "content") reused
    inside such items is not another part of the story."""
    for a in el.iterancestors():
        if _in_run(a) and _run_key(a) not in top_runs:
            return True
    return False


def repeated_sections(top: etree._Element, stats: Stats, levels: int = 2) -> list[etree._Element]:
    """Siblings that repeat the shape of the top's parent or grandparent
    (same tag and class): a story cut into step or chapter sections whose
    first one won. Only low-link blocks with text count."""
    out: list[etree._Element] = []
    anc = top
    for _ in range(levels):
        up = anc.getparent()
        if up is None:
            break
        anc = up
        grand = anc.getparent()
        if grand is None:
            break
        cls = anc.get("class")
        if not cls or not cls.strip() or anc.tag in ("body", "html"):
            continue
        same = [s for s in grand if s is not anc and s.tag == anc.tag
                and s.get("class") == cls]
        good = [s for s in same if stats.text.get(s, 0) >= 25 and stats.link_density(s) < 0.3]
        if good:
            out.extend(good)
            break
    return out


ALT_TOP = 5
ALT_SHARE = 0.75
ALT_MIN = 3


def _led_by_text(el: etree._Element, item: etree._Element, stats: Stats) -> bool:
    """Does text other than headings come before el inside item? A comment,
    forum post or review opens with its author line; a section of the story
    starts with its text (or its sub-heading)."""
    node = el
    while node is not item:
        parent = node.getparent()
        if parent is None:
            return False
        if tlen(parent.text):
            return True
        for sib in node.itersiblings(preceding=True):
            if (sib.tag not in _HEADINGS and stats.text.get(sib, 0)) or tlen(sib.tail):
                return True
        node = parent
    return False


def common_home(top: etree._Element, top_score: float, scores: dict[etree._Element, float],
                accept: Callable[[etree._Element, Stats], bool], stats: Stats,
                covered: list[etree._Element]) -> etree._Element:
    """The nearest ancestor of the top that also holds ALT_MIN of the next
    best candidates scoring within ALT_SHARE of it (Readability's alternative
    candidates): a story cut into sections scored alike, whose first section
    won alone. The top's siblings are left to merge_siblings; when blocks in
    `covered` (same_kind_blocks, repeated_sections) hold them all, the top
    was not alone and stays; a candidate led by other text in its part of
    the ancestor (an author line) is a comment or a review, not a section.
    The top itself when no ancestor qualifies."""
    if top_score <= 0:
        return top
    above = set(top.iterancestors())
    parent = top.getparent()
    ranked = heapq.nlargest(ALT_TOP, scores, key=scores.__getitem__)
    close: list[tuple[etree._Element, list[etree._Element]]] = []
    for el in [e for e in ranked if e is not top][:ALT_TOP - 1]:
        if scores[el] / top_score < ALT_SHARE:
            break
        ancestors = list(el.iterancestors())
        if el in above or top in ancestors or el.getparent() is parent or not accept(el, stats):
            continue  # the top's own wrapper, one of its parts, or a sibling
        close.append((el, ancestors))
    if all(any(c is el or c in ancestors for c in covered) for el, ancestors in close):
        return top  # every one found already: the top is not alone
    if len(close) < ALT_MIN:
        return top
    for anc in top.iterancestors():
        if anc.tag in ("body", "html"):
            break
        held = 0
        for el, ancestors in close:
            if anc in ancestors:
                item = ancestors[ancestors.index(anc) - 1] if ancestors[0] is not anc else el
                held += not _led_by_text(el, item, stats)
        if held >= ALT_MIN:
            return anc
    return top


def climb(top: etree._Element, scores: dict[etree._Element, float], stats: Stats) -> etree._Element:
    """The first ancestor scoring above the last scored one on the way up
    (Readability: a parent that gathers more than its best child holds more
    of the story beside it), stopping when a score falls below a third of
    the top's or the top would no longer be most of the ancestor's text
    (the top beside a longer list of other stories). The top itself when
    none qualifies."""
    last = scores.get(top, 0.0)
    if last <= 0:
        return top
    floor = last / 3
    own = stats.text.get(top, 0)
    for anc in top.iterancestors():
        if anc.tag in ("body", "html"):
            break
        s = scores.get(anc)
        if s is None:
            continue
        if s < floor or 2 * own < stats.text.get(anc, 0):
            break
        if s > last:
            return anc
        last = s
    return top


def only_child_up(top: etree._Element) -> etree._Element:
    """The outermost wrapper holding nothing but the top (Readability: the
    story's siblings are then the wrapper's, a paragraph beside a "read more"
    box is more of the same story)."""
    while True:
        parent = top.getparent()
        if parent is None or parent.tag in ("body", "html") or tlen(parent.text) \
                or tlen(top.tail) or sum(1 for c in parent if isinstance(c.tag, str)) != 1:
            return top
        top = parent
