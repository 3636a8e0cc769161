"""The index's order and sections, which previous/next follow too. A pack of
100,000 articles sorts compact places and writes the index in pieces; these
check that this is the rule the index page states, for any articles."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.bundle import site
from mirror.model import Summary
from mirror.render.i18n import labels
from mirror.render.index import index_chunks, index_page, ordered, sections

DAYS = ["2024-05-01", "2024-05-01T09:00:00Z", "2024-05-01T18:30:00+02:00", "2024-05-02", "2023-12-31",
        "not a date", "", None]
OUTLETS = ["Daily", "daily", "Ärzte Zeitung", "The Times", "", None]


@st.composite
def summaries(draw: st.DrawFn) -> list[Summary]:
    n = draw(st.integers(0, 25))
    ids = draw(st.lists(st.text("0123456789abcdef", min_size=16, max_size=16), min_size=n, max_size=n,
                        unique=True))
    out = []
    for aid in ids:
        out.append(Summary(id=aid, url=f"https://{draw(st.sampled_from(['a.example', 'b.example']))}/{aid}",
                           title=draw(st.sampled_from(["One", "Два", None])), published=draw(st.sampled_from(DAYS)),
                           site_name=draw(st.sampled_from(OUTLETS)), lang=draw(st.sampled_from(["en", "ru", None])),
                           captured=draw(st.sampled_from(["2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z"])),
                           versions=draw(st.integers(1, 3))))
    return out


def _day(s: Summary) -> str | None:
    p = s.published or ""
    return p[:10] if len(p) >= 10 and p[4] == "-" and p[:4].isdigit() else None


def _outlet(s: Summary) -> str:
    return (s.site_name or "").strip() or (urlsplit(s.url).hostname or s.url)


def _newest_first(items: list[Summary]) -> list[Summary]:
    dated = sorted((s for s in items if _day(s)), key=lambda s: (s.published, s.id), reverse=True)
    undated = sorted((s for s in items if not _day(s)), key=lambda s: (s.captured, s.id), reverse=True)
    return dated + undated


def expected(items: list[Summary], by: str) -> list[tuple[str, list[str]]]:
    """The sections as the index page says they are, written out plainly."""
    L = labels("en")
    if by == "outlet":
        groups: dict[str, list[Summary]] = {}
        for s in items:
            groups.setdefault(_outlet(s), []).append(s)
        return [(name, [s.id for s in _newest_first(groups[name])])
                for name in sorted(groups, key=lambda n: (n.casefold(), n))]
    days: dict[str, list[str]] = {}
    for s in _newest_first(items):
        if d := _day(s):
            days.setdefault(L.date(d), []).append(s.id)
    out = list(days.items())
    if undated := [s.id for s in _newest_first(items) if not _day(s)]:
        out.append(("Date unknown", undated))
    return out


@settings(max_examples=150, deadline=None)
@given(summaries(), st.sampled_from(["date", "outlet"]))
def test_sections_follow_the_stated_rule(items, by):
    got = [(sec.heading, [s.id for s in sec.items]) for sec in sections(items, by, labels("en"))]
    assert got == expected(items, by)
    assert [s.id for s in ordered(items, by)] == [i for _, ids in got for i in ids]


@settings(max_examples=60, deadline=None)
@given(summaries(), st.sampled_from(["date", "outlet"]))
def test_the_plan_keeps_the_order_and_the_links_of_its_summaries(items, by):
    plan = site.plan(iter(items), "en", by)
    assert plan.ids == [s.id for s in ordered(items, by)]
    by_id = {s.id: s for s in items}
    assert plan.links == [(by_id[i].title or by_id[i].url, by_id[i].lang) for i in plan.ids]


@settings(max_examples=60, deadline=None)
@given(summaries(), st.sampled_from(["date", "outlet"]))
def test_the_index_made_in_pieces_is_the_index_page(items, by):
    """What pack streams is what the page says, every section and item once."""
    link = lambda s: f"articles/{s.id}/index.html"  # noqa: E731
    whole = index_page(items, link, "en", by)
    pieces = "".join(index_chunks(ordered(items, by), len(items), link, "en", by))
    assert pieces == whole
    assert whole.count("<section") == whole.count("</section>") == len(expected(items, by))
    assert all(whole.count(f'href="articles/{s.id}/index.html"') == 1 for s in items)
    assert whole.startswith("<!DOCTYPE html>") and whole.rstrip().endswith("</html>")


def test_an_index_file_shows_only_the_articles_written():
    items = [Summary(id=c * 16, url=f"https://n.example/{c}", title=c.upper(), published=f"2024-05-0{i + 1}",
                     captured="2024-06-01T00:00:00Z", versions=1) for i, c in enumerate("abc")]
    plan = site.plan(items, "en", "date")
    asked: list[list[str]] = []

    def again(ids: list[str]) -> list[Summary]:
        asked.append(ids)
        return [s for s in items if s.id in ids][::-1]  # newest first, as the plan's order

    written = site.Written(plan)
    for aid in ("a" * 16, "c" * 16, "d" * 16):  # d: not in the plan, so not in its index
        written.add(aid)
    html = b"".join(site.index_file(written, again)()).decode()
    assert asked == [["c" * 16, "a" * 16]]
    assert ">C</a>" in html and ">A</a>" in html and ">B</a>" not in html
    assert "2 articles" in html
