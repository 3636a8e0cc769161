"""The table of contents: articles grouped by day of publication or by
outlet. An article that gives no publication date is never shown under its
capture date as if published then: it goes into a "Date unknown" group (or
the end of its outlet's), sorted by capture date, and says so. The order
here is also the order of previous/next (`ordered`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import urlsplit

from mirror.model import Summary
from mirror.render.i18n import Labels, labels
from mirror.render.page import clean_lang, direction, esc, page

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


def _newest_first(items: list[Summary]) -> list[Summary]:
    dated = sorted((s for s in items if published_day(s)), key=lambda s: (s.published, s.id), reverse=True)
    undated = sorted((s for s in items if not published_day(s)), key=lambda s: (s.captured, s.id), reverse=True)
    return dated + undated


def sections(summaries: Iterable[Summary], by: str, L: Labels) -> list[Section]:
    """The groups of the index, in order. `by` is "date" (newest day first,
    then the undated) or "outlet" (by name; in each, newest first, then the
    undated)."""
    items = list(summaries)
    if by == "outlet":
        names: dict[str, list[Summary]] = {}
        for s in items:
            names.setdefault(outlet(s), []).append(s)
        return [Section(name, _newest_first(names[name])) for name in sorted(names, key=lambda n: (n.casefold(), n))]
    if by != "date":
        raise ValueError(f"unknown grouping {by!r}")
    days: dict[str, list[Summary]] = {}
    for s in _newest_first(items):
        day = published_day(s)
        if day:
            days.setdefault(day, []).append(s)
    out = [Section(L.date(day), group) for day, group in days.items()]
    undated = [s for s in _newest_first(items) if not published_day(s)]
    if undated:
        out.append(Section(L._("Date unknown"), undated, undated=True))
    return out


def ordered(summaries: Iterable[Summary], by: str, lang: str | None) -> list[Summary]:
    """Every article in the index's order (previous/next follow it)."""
    return [s for sec in sections(summaries, by, labels(lang)) for s in sec.items]


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
    L = labels(lang)
    title = title or L._("Articles")
    secs = sections(summaries, by, L)
    count = sum(len(sec.items) for sec in secs)
    counted = L.ngettext("{n} article", "{n} articles", count)
    undated_note = L._("These articles give no publication date. They are sorted by the day they were"
                       " captured, newest first.")
    body = [f"<h1>{esc(title)}</h1>", f'<p class="count">{esc(counted)}</p>']
    for sec in secs:
        body.append(f'<section class="group{" undated" if sec.undated else ""}">')
        body.append(f"<h2>{esc(sec.heading)}</h2>")
        if sec.undated:
            body.append(f'<p class="note">{esc(undated_note)}</p>')
        body.append('<ol class="toc">')
        for s in sec.items:
            code = clean_lang(s.lang)
            attrs = f' lang="{esc(code)}" dir="{direction(code)}"' if code else ' dir="auto"'
            own = "" if code and code.split("-")[0].lower() == L.lang else L.attrs()
            body.append(f'<li{attrs}><a href="{esc(link(s))}">{esc(s.title or s.url)}</a>'
                        f'<span class="meta"{own}>{_meta(s, by, L)}</span></li>')
        body.append("</ol>")
        body.append("</section>")
    return page(title, "\n".join(body), L.lang)
