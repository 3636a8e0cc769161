"""Could this block be an article at all? Checks on a candidate the scores
cannot see: a list of teasers (each item another story's linked headline and
snippet) scores like prose, yet it is never the story; a part of a data
table (rows of results, a filmography) is a part of a story about it."""

from __future__ import annotations

from lxml import etree

from mirror.extract.scoring import Stats

_HEADS = ("h2", "h3", "h4", "h5", "h6")
# A teaser snippet is cut short; more text than this under a linked heading is
# a section of the story (a listicle whose headings link to the places named).
TEASER_TEXT = 500
TEASER_RUN = 3


def _links_away(h: etree._Element) -> bool:
    """Does the heading link to another page? A link to an anchor of this page
    (a forum post's "#p1002" permalink) is not another story."""
    return any(not (a.get("href") or "").startswith("#") for a in h.iter("a"))


def _teaser_item(el: etree._Element, stats: Stats) -> bool:
    """A box led by one heading that is wholly a link to another page, with
    little else."""
    heads = [h for h in el.iter(*_HEADS) if stats.text.get(h)]
    if len(heads) != 1:
        return False
    h = heads[0]
    if stats.links.get(h, 0) < stats.text[h] or not _links_away(h):
        return False
    return stats.text.get(el, 0) - stats.text[h] <= TEASER_TEXT


def is_teaser_run(el: etree._Element, stats: Stats) -> bool:
    """Three or more teaser items making most of el's text: a stream of other
    stories (a "more news" feed, a section front)."""
    n = stats.text.get(el, 0)
    if not n:
        return False
    items = [c for c in el if isinstance(c.tag, str) and stats.text.get(c)]
    teasers = [c for c in items if _teaser_item(c, stats)]
    return len(teasers) >= TEASER_RUN and 2 * len(teasers) >= len(items) and \
        sum(stats.text[c] for c in teasers) >= 0.6 * n


def plausible(el: etree._Element, stats: Stats) -> bool:
    """False for a block that cannot be the article: a teaser run, or a part
    of one (one teaser's box, the run's wrapper adds nothing else)."""
    for node in (el, *el.iterancestors()):
        if node.tag in ("body", "html"):
            break
        if is_teaser_run(node, stats):
            return False
    # el wraps a teaser run and little more (one dominant child after another).
    node = el
    while True:
        n = stats.text.get(node, 0)
        big = [c for c in node if isinstance(c.tag, str) and stats.text.get(c, 0) >= 0.8 * n]
        if not n or not big:
            return True
        node = big[0]
        if is_teaser_run(node, stats):
            return False


_TABLE_PARTS = ("table", "tbody", "thead", "tfoot", "tr", "td", "th")


def is_data_table(table: etree._Element) -> bool:
    """Rows of data, not a layout grid: a header cell or a caption, or three
    or more rows of two or more cells."""
    if table.find(".//th") is not None or table.find("caption") is not None:
        return True
    rows = [tr for tr in table.iter("tr")]
    return len(rows) >= 3 and sum(1 for tr in rows if len(tr.findall("td")) >= 2) >= 0.8 * len(rows)


def outside_data_table(el: etree._Element) -> etree._Element:
    """The block holding the data table el is a part of (rows score like
    paragraphs, so a long table can outscore the story around it), or el."""
    if el.tag not in _TABLE_PARTS:
        return el
    table = el if el.tag == "table" else next(
        (a for a in el.iterancestors("table")), None)
    if table is None or not is_data_table(table):
        return el
    parent = table.getparent()
    return parent if parent is not None and parent.tag not in ("body", "html") else el
