"""Find the article body in a cleaned page and copy it out as a fragment."""

from __future__ import annotations

import copy
from typing import TypeAlias

from lxml import etree

from mirror.extract.clean import clean_page
from mirror.extract.fragment import tidy
from mirror.extract.fields import Metadata
from mirror.extract.plausible import outside_data_table, plausible
from mirror.extract.postclean import conditional_clean, drop_headers, drop_repeats
from mirror.extract.scoring import (Stats, best_candidate, climb, common_home, merge_siblings,
                                    only_child_up, repeated_sections, same_kind_blocks)


# Every itemprop value, each knowing its element (faster than a contains()
# predicate over every element: the attribute is rare).
_ITEMPROPS = etree.XPath(".//@itemprop")

# The body fragment and its image URLs, or (None, []).
_Found: TypeAlias = tuple[etree._Element | None, list[str]]


def _find_hints(body: etree._Element) -> list[etree._Element]:
    """Elements the page itself marks as the article body (outermost only)."""
    found: list[etree._Element] = []
    values: list[etree._ElementUnicodeResult[etree._Element]] = _ITEMPROPS(body)  # document order
    for value in values:
        if "articleBody" in value.split():
            el = value.getparent()
            assert el is not None  # an attribute value's parent is its element
            if not any(a in found for a in el.iterancestors()):
                found.append(el)
    return found


def _document_order(body: etree._Element, parts: list[etree._Element]) -> list[etree._Element]:
    """Parts sorted as in the page, without any part nested in another."""
    chosen = set(parts)
    out: list[etree._Element] = []
    for el in body.iter():
        if el in chosen and not any(a in chosen for a in el.iterancestors()):
            out.append(el)
    return out


def extract_body(root: etree._Element, md: Metadata, url: str | None) -> _Found:
    """The body fragment (a <div> element) and its image URLs, or (None, [])."""
    body = root.find("body")
    if body is None:
        body = root
    hints = _find_hints(body)
    core, prose = clean_page(body, protect=hints)
    stats = Stats(body)
    hints = [h for h in hints if h.getparent() is not None and stats.text.get(h, 0) >= 200]
    top, top_score, scores = best_candidate(body, stats, accept=plausible)
    hinted = sum(stats.text.get(h, 0) for h in hints)
    if hints and (top is None or hinted >= 0.5 * stats.text.get(top, 0)
                  or any(h is top or h in top.iterancestors() for h in hints)):
        # The page's own articleBody markup, unless it covers only a sliver
        # of what scoring found.
        parts = hints
    else:
        if top is None:
            return _whole_body(body, stats, md, url)
        found = same_kind_blocks(top, top_score, scores, stats) + repeated_sections(top, stats)
        home = common_home(top, top_score, scores, plausible, stats, found)
        if home is not top:
            top, top_score = home, max(top_score, scores.get(home, 0.0))
        else:
            up = climb(top, scores, stats)
            if up is not top:
                top, top_score = up, scores[up]
        inner, top = top, only_child_up(top)
        lifted = outside_data_table(top)
        if lifted is not top:
            top, top_score = lifted, max(top_score, scores.get(lifted, 0.0))
        if core is not None and core.getparent() is not None and top is not core \
                and core not in set(top.iterancestors()) and top not in set(core.iterancestors()) \
                and prose.get(core, 0) > 2 * prose.get(top, 0) \
                and stats.text.get(core, 0) >= 0.5 * stats.text.get(top, 0) \
                and plausible(core, stats):
            # Scores and prose disagree: link-heavy hover cards or widgets
            # inside the real paragraphs can sink their score. Trust the prose,
            # unless the prose block is a small piece beside the top (one long
            # comment beside a post written as lists and headings).
            top, top_score = core, max(scores.get(core, 0.0), top_score)
        parts = merge_siblings(top, top_score, scores, stats, plausible)
        extra = same_kind_blocks(top, top_score, scores, stats) + repeated_sections(top, stats)
        if inner is not top:
            # (the scored block's own kind, not its lone wrapper's)
            extra += same_kind_blocks(inner, top_score, scores, stats) \
                + repeated_sections(inner, stats)
        if extra:
            parts = _document_order(body, parts + extra)
    fragment, images = _fragment(parts, md, url)
    if not any(t.strip() for t in fragment.itertext()):  # (stops at the first text)
        return _whole_body(body, stats, md, url)
    return fragment, images


def _fragment(parts: list[etree._Element], md: Metadata, url: str | None) -> tuple[etree._Element, list[str]]:
    fragment = etree.Element("div")
    for p in parts:
        fragment.append(copy.deepcopy(p))
    # Stats for the copies: recompute on the fragment (one more pass, small tree).
    fstats = Stats(fragment)
    drop_headers(fragment, md)
    conditional_clean(fragment, fstats)
    drop_repeats(fragment)
    images = tidy(fragment, url)
    return fragment, images


def _whole_body(body: etree._Element, stats: Stats, md: Metadata, url: str | None) -> _Found:
    """Second opinion when no block scored (a page of a few short lines, text
    straight in <body>): the cleaned page itself, as Reader View does, but
    never when it is mostly links (a menu or a link list is not an article)."""
    if not stats.text.get(body, 0) or stats.link_density(body) >= WHOLE_BODY_MAX_LINKS:
        return None, []
    return _fragment([body], md, url)


WHOLE_BODY_MAX_LINKS = 0.5
