"""RSS/Atom following: which article links a feed offers that we have not handled.

Parsing is feedparser's job (it copes with the broken feeds of the real world);
ours is to keep only safe http(s) article links, de-tracked, in feed order, and
to bound how much a hostile feed can make us fetch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mirror.errors import UsageError

if TYPE_CHECKING:
    from mirror.store import Archive

MAX_ENTRIES = 200


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str | None = None


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)


def parse_feed(data: bytes, url: str) -> Feed:
    """Parse feed bytes (never a URL: feedparser would fetch it itself)."""
    import feedparser

    from mirror.urls import absolutise, detrack

    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse_feed takes bytes")
    parsed = feedparser.parse(bytes(data), response_headers={"content-location": url})
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        raise UsageError(f"{url}: not an RSS or Atom feed")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for e in parsed.entries:
        link = e.get("link")
        if not link:
            continue
        full = absolutise(link, url)
        if not full or not full.startswith(("http://", "https://")):
            continue
        full = detrack(full)
        if full in seen:
            continue
        seen.add(full)
        entries.append(FeedEntry(full, (e.get("title") or "").strip() or None))
        if len(entries) >= MAX_ENTRIES:
            break
    title = (parsed.feed.get("title") or "").strip() or None
    return Feed(url, title, entries)


@dataclass
class FeedReport:
    feed: str
    ok: bool
    error: str | None = None
    outcomes: list = field(default_factory=list)  # pipeline.Outcome per new entry
    exit_code: int = 0

    def to_json(self) -> dict:
        return {"feed": self.feed, "ok": self.ok, "error": self.error,
                "articles": [o.to_json() for o in self.outcomes]}


def fetch_feed(fetcher, url: str) -> Feed:
    got = fetcher.feed(url)
    return parse_feed(got.body, got.url)


def follow(url: str, cfg, archive: Archive, *, proxy: str = "") -> Feed:
    """Check that `url` is a feed (through the private session) and remember it."""
    from mirror.fetch import Fetcher
    from mirror.pipeline import now_utc
    from mirror.urls import is_web_url

    if not is_web_url(url):
        raise UsageError(f"not an http(s) URL: {url}")
    with Fetcher(cfg.fetch, cfg.mirrors, proxy) as fetcher:
        feed = fetch_feed(fetcher, url)
    archive.follow(url, feed.title, now_utc())
    return feed


def update(cfg, archive: Archive, *, proxy: str = "", jobs: int | None = None, per_feed: int = 30,
           progress=None) -> list[FeedReport]:
    """Archive the entries of every followed feed not handled before. An entry
    is marked handled when it was archived or failed for a reason that retrying
    will not fix; network failures are retried at the next update."""
    from mirror.errors import NetworkError
    from mirror.fetch import Fetcher
    from mirror.pipeline import add_urls, now_utc

    reports: list[FeedReport] = []
    with Fetcher(cfg.fetch, cfg.mirrors, proxy, max(1, jobs or cfg.fetch.jobs)) as fetcher:
        for url, _title in archive.feeds():
            try:
                feed = fetch_feed(fetcher, url)
            except (NetworkError, UsageError) as e:
                reports.append(FeedReport(url, False, str(e), exit_code=e.exit_code))
                continue
            new = archive.unseen_entries(url, [e.link for e in feed.entries])[:per_feed]
            outcomes = add_urls(new, cfg, archive, jobs=jobs, fetcher=fetcher, progress=progress) if new else []
            handled = [o.url for o in outcomes if o.ok or o.exit_code != NetworkError.exit_code]
            archive.mark_seen(url, handled, now_utc())
            reports.append(FeedReport(url, True, None, outcomes))
    return reports
