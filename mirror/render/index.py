"""The table of contents: articles grouped by day of publication or by
outlet. An article that gives no publication date is never shown under its
capture date as if published then: it goes into a "Date unknown" group (or
the end of its outlet's), sorted by capture date, and says so. The order
here is also the order of previous/next (`ordered`)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from mirror.model import Summary
from mirror.render.i18n import Labels, labels
from mirror.render.page import clean_lang, direction, esc, page_around

GROUPINGS = ("date", "outlet")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def published_day(s: Summary) -> str | None:
    """The publication day, or None when the article gives no usable date."""
    return s.published[:10] if s.published and _DAY.match(s.published) else None


def outlet(s: Summary) -> str:
    return (s.site_name or "").strip() or (urlsplit(s.url).hostname or s.url)


@dataclass
class Section:
    heading: str
    items: list[Summary] = field(default_factory=list)
    undated: bool = False  # sorted by capture date; the page says so


@dataclass(frozen=True, slots=True)
class Place:
    """Where an article goes in the index, and no more of it: a pack of
    100,000 articles sorts these, not their summaries."""

    group: tuple[str, str]  # by outlet: (name casefolded, name); by date: one group
    undated: bool  # no publication day: after the dated ones of its group
    when: str  # published, or captured when undated: newest first
    id: str


def place(s: Summary, by: str) -> Place:
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    group = ("", "")
    if by == "outlet":
        name = outlet(s)
        group = (sys.intern(name.casefold()), sys.intern(name))  # one outlet, many articles
    day = published_day(s)
    return Place(group, day is None, (s.published or "") if day else s.captured, s.id)


def in_order(places: list[Place]) -> list[Place]:
    """The index's order, the one rule: groups by name (by date: one), in
    each the dated newest first, then the undated by capture, newest first."""
    newest = sorted(places, key=lambda p: (p.when, p.id), reverse=True)
    return sorted(newest, key=lambda p: (p.group, p.undated))  # stable: newest first within


def section_of(s: Summary, by: str) -> tuple[str, bool]:
    """What tells the section `s` is listed in: by outlet, its name; by
    date, its day of publication, or "" with True for the undated section."""
    if by == "outlet":
        return outlet(s), False
    day = published_day(s)
    return (day, False) if day else ("", True)


def heading(key: tuple[str, bool], by: str, L: Labels) -> str:
    name, undated = key
    if by == "outlet":
        return name
    return L._("Date unknown") if undated else L.date(name)


def sections(summaries: Iterable[Summary], by: str, L: Labels) -> list[Section]:
    """The groups of the index, in order (`in_order`): by "date", a section a
    day of publication, newest first, then the undated; by "outlet", a
    section an outlet by name, in each the newest first, then the undated."""
    out: list[Section] = []
    last = None
    for s in ordered(summaries, by):
        key = section_of(s, by)
        if key != last:
            out.append(Section(heading(key, by, L), [], key[1]))
            last = key
        out[-1].items.append(s)
    return out


def ordered(summaries: Iterable[Summary], by: str) -> list[Summary]:
    """Every article (one summary an id) in the index's order, which
    previous/next follow."""
    items = {s.id: s for s in summaries}
    return [items[p.id] for p in in_order([place(s, by) for s in items.values()])]


def _meta(s: Summary, by: str, L: Labels) -> str:
    parts = []
    if by != "outlet":
        parts.append(f"<bdi>{esc(outlet(s))}</bdi>")
    if published_day(s):
        if by == "outlet":
            parts.append(f'<time datetime="{esc(s.published)}"><bdi>{esc(L.date(s.published))}</bdi></time>')
    else:
        when = f'<time datetime="{esc(s.captured[:10])}"><bdi>{esc(L.date(s.captured))}</bdi></time>'
        unknown = L.markup("date unknown, captured {date}", date=when)
        parts.append(f'<span class="unknown">{unknown}</span>')
    if s.byline:
        parts.append(f"<bdi>{esc(s.byline)}</bdi>")
    if s.versions > 1:
        parts.append(esc(L.ngettext("{n} version", "{n} versions", s.versions)))
    return " · ".join(parts)


def index_page(summaries: Iterable[Summary], link: Callable[[Summary], str], lang: str | None = None,
               by: str = "date", title: str | None = None) -> str:
    """A table of contents with the same CSP; `link(summary)` is each href.
    Its words are in `lang` (a catalogue code)."""
    items = ordered(summaries, by)
    return "".join(index_chunks(items, len(items), link, lang, by, title))


def index_chunks(items: Iterable[Summary], count: int, link: Callable[[Summary], str], lang: str | None = None,
                 by: str = "date", title: str | None = None) -> Iterator[str]:
    """`index_page` in pieces, from `count` summaries that come in the
    index's order (`ordered`): the index of 100,000 articles is some 40 MB,
    made as it is written, never held."""
    L = labels(lang)
    title = title or L._("Articles")
    head, tail = page_around(title, L.lang)
    counted = L.ngettext("{n} article", "{n} articles", count)
    undated_note = L._("These articles give no publication date. They are sorted by the day they were"
                       " captured, newest first.")
    yield head + f"<h1>{esc(title)}</h1>\n" + f'<p class="count">{esc(counted)}</p>'
    last = None
    for s in items:
        key = section_of(s, by)
        if key != last:
            if last is not None:
                yield "\n</ol>\n</section>"
            undated = key[1]
            yield f'\n<section class="group{" undated" if undated else ""}">\n<h2>{esc(heading(key, by, L))}</h2>'
            if undated:
                yield f'\n<p class="note">{esc(undated_note)}</p>'
            yield '\n<ol class="toc">'
            last = key
        code = clean_lang(s.lang)
        attrs = f' lang="{esc(code)}" dir="{direction(code)}"' if code else ' dir="auto"'
        own = "" if code and code.split("-")[0].lower() == L.lang else L.attrs()
        yield (f'\n<li{attrs}><a href="{esc(link(s))}">{esc(s.title or s.url)}</a>'
               f'<span class="meta"{own}>{_meta(s, by, L)}</span></li>')
    if last is not None:
        yield "\n</ol>\n</section>"
    yield tail
