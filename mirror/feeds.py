"""RSS/Atom following: which article links a feed offers that we have not handled.

Parsing is feedparser's job (it copes with the broken feeds of the real world);
ours is to keep only safe http(s) article links, de-tracked, in feed order, and
to bound how much a hostile feed can make us fetch."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from mirror.errors import MirrorError, UsageError

if TYPE_CHECKING:
    from mirror.config import Config
    from mirror.fetch import Fetched, Fetcher
    from mirror.pipeline import Outcome, Progress
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
    outcomes: list[Outcome] = field(default_factory=list)  # one per new entry
    kind: type[MirrorError] | None = None  # what kind of failure (the CLI maps kinds to exit codes)
    note: str | None = None
    new_error: bool = True  # False: it failed the same way at the last update (and was reported then)

    def to_json(self) -> dict[str, Any]:
        return {"feed": self.feed, "ok": self.ok, "error": self.error, "new_error": self.new_error,
                "articles": [o.to_json() for o in self.outcomes]}


def fetch_feed(fetcher: Fetcher, url: str) -> Feed:
    got = fetcher.feed(url)
    return parse_feed(got.body, got.url)


@dataclass(frozen=True)
class Followed:
    url: str
    title: str | None
    added: str
    last_checked: str | None
    entries: int  # entries handled (archived, or failed for good)
    error: str | None = None  # what the last update met, if it failed
    failing_since: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def followed(archive: Archive) -> list[Followed]:
    from mirror.fetchstate import Memory

    memory = Memory.of(archive)
    rows = list(archive.db.execute(
        "SELECT f.url, f.title, f.added, f.last_checked,"
        " (SELECT COUNT(*) FROM feed_entries e WHERE e.feed_url = f.url) FROM feeds f ORDER BY f.url"))
    return [Followed(*r, *(memory.feed_error(r[0]) or (None, None))) for r in rows]


def unfollow(archive: Archive, url: str) -> None:
    """Stop following `url` (its articles stay archived)."""
    from mirror.errors import NotFound
    from mirror.fetchstate import Memory

    cur = archive.db.execute("DELETE FROM feeds WHERE url = ?", (url.strip(),))
    if cur.rowcount != 1:
        raise NotFound(f"not following {url} (see `mirror feeds`)")
    Memory.of(archive).forget(url.strip())


def follow(url: str, cfg: Config, archive: Archive, *, proxy: str = "") -> Feed:
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


def update(cfg: Config, archive: Archive, *, proxy: str = "", jobs: int | None = None, per_feed: int = 30,
           progress: Progress | None = None, on_result: Callable[[str, Outcome], None] | None = None,
           cancel: threading.Event | None = None) -> list[FeedReport]:
    """Archive the entries of every followed feed not handled before. Feeds
    are fetched in parallel first; then each feed's new entries are archived,
    each result passed to `on_result(feed_url, outcome)` as it is stored. An
    entry is marked handled when it was archived or failed for a reason that
    retrying will not fix; network failures (and entries an interrupt left
    undone) are retried at the next update. When `cancel` is set, it stops
    at once and returns the reports of the feeds it finished."""
    from mirror.errors import MirrorError
    from mirror.fetch import Fetcher
    from mirror.fetchstate import Memory
    from mirror.pipeline import add_urls, now_utc, parallel

    cancel = cancel or threading.Event()
    jobs = max(1, jobs or cfg.fetch.jobs)
    urls = [u for u, _title in archive.feeds()]
    reports: list[FeedReport] = []
    memory = Memory.of(archive, proxy)
    validators = {u: memory.validators(u) for u in urls}  # (the database is used on this thread only)

    def conditional(u: str) -> tuple[Fetched, Feed | None]:
        got = fetcher.feed(u, validators[u]) if validators[u] else fetcher.feed(u)
        return got, None if got.not_modified else parse_feed(got.body, got.url)

    with Fetcher(cfg.fetch, cfg.mirrors, proxy, jobs) as fetcher:
        got: dict[str, tuple[Feed | None, BaseException | None]] = {}
        try:
            for done in parallel(conditional, urls, jobs, cancel):
                url, value, error = done
                if done[2] is None:
                    memory.fetched(url, done[1][0].etag, done[1][0].last_modified)
                got[url] = (value[1] if value else None, error)
        finally:
            if cancel.is_set():
                fetcher.cancel()
        for url in urls:
            if cancel.is_set() or url not in got:
                break
            feed, error = got[url]
            if error is not None:
                if not isinstance(error, MirrorError):
                    error = MirrorError(f"unexpected error: {type(error).__name__}: {error}")
                reports.append(FeedReport(url, False, str(error), kind=type(error),
                                          new_error=memory.feed_failed(url, str(error))))
                continue
            memory.feed_worked(url)
            if feed is None:  # 304: nothing new
                reports.append(FeedReport(url, True, None, [], note="not modified"))
                continue
            new = archive.unseen_entries(url, [e.link for e in feed.entries])[:per_feed]
            each = (lambda o, feed_url=url: on_result(feed_url, o)) if on_result else None
            outcomes = add_urls(new, cfg, archive, jobs=jobs, fetcher=fetcher, progress=progress,
                                on_result=each, cancel=cancel) if new else []
            handled = [o.url for o in outcomes
                       if o.ok or not (o.retryable or o.interrupted)]
            archive.mark_seen(url, handled, now_utc())
            reports.append(FeedReport(url, True, None, outcomes))
    return reports
