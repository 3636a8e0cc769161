"""RSS/Atom following: which article links a feed offers that we have not handled.

Parsing is feedparser's job (it copes with the broken feeds of the real world);
ours is to keep only safe http(s) article links, de-tracked, in feed order, and
to bound how much a hostile feed can make us fetch."""

from __future__ import annotations

from dataclasses import dataclass, field

from mirror.errors import UsageError

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
