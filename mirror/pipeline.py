"""Page -> archived article: extract, fetch the article's images, sanitise, store.

`build_version` is the pure-ish core (HTML + an image loader -> NewVersion);
`archive_page` fetches a URL through a `Fetcher`; `add_urls` runs a batch in
threads and `import_files` takes pages saved by a browser. One failing URL
never stops a batch: each gets an `Outcome` with a one-line error.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple, TypeVar
from urllib.parse import unquote, urlsplit

from mirror.config import Config, FetchConfig
from mirror.errors import ExtractionError, Interrupted, MirrorError, NetworkError, UsageError
from mirror.fetch import Cancelled, Fetched, Fetcher
from mirror.imagerule import ImageChoice, choose_url
from mirror.model import Asset, ImageFailure, NewVersion, with_meta
from mirror.sanitize import article_images, make_asset, sanitize
from mirror.urls import article_url, canonical_url, is_web_url

if TYPE_CHECKING:
    from mirror.fetchstate import Memory
    from mirror.store import Archive

# (absolute image URL, byte limit) -> bytes, or None when the image is not available;
# a MirrorError (NetworkError...) says why it is not.
ImageLoader = Callable[[str, int], "bytes | None"]


@dataclass
class Outcome:
    url: str
    ok: bool
    id: str | None = None
    version: int | None = None
    created: bool | None = None
    error: str | None = None
    title: str | None = None
    images: int = 0
    kind: type[MirrorError] | None = None  # what kind of failure (the CLI maps kinds to exit codes)
    note: str | None = None  # why nothing was fetched or stored: "not modified", "archived 2 h ago"
    images_failed: tuple[ImageFailure, ...] = ()  # of the version just fetched

    @property
    def retryable(self) -> bool:
        """A network failure: trying again later may succeed."""
        return self.kind is not None and issubclass(self.kind, NetworkError)

    @property
    def interrupted(self) -> bool:
        """Not done: the run was stopped first."""
        return self.kind is not None and issubclass(self.kind, Interrupted)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "ok": self.ok, "id": self.id, "version": self.version,
                "created": self.created, "error": self.error, "title": self.title,
                "images": self.images, "images_failed": [f.to_json() for f in self.images_failed],
                "note": self.note}

    def left_out(self) -> str | None:
        """How many images were left out and why, in a few words, or None."""
        if not self.images_failed:
            return None
        from collections import Counter

        why = Counter(f.reason for f in self.images_failed).most_common()
        n = len(self.images_failed)
        return f"{n} image{'s' if n > 1 else ''} left out: " + ", ".join(
            f"{k} {r}" if n > 1 else r for r, k in why)


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Collected(NamedTuple):
    names: dict[str, str]  # image URL (the choice's first) -> asset name, for those kept
    assets: list[tuple[Asset, bytes]]  # the distinct assets
    failed: list[ImageFailure]  # each image left out, in page order, with why


class _Budget:
    """The article's image bytes, shared by parallel loads: each load may use
    what no other load holds, and gives back what it did not use, so all the
    bytes downloaded stay within the cap however the loads interleave."""

    def __init__(self, total: int, per_image: int):
        self.left = total
        self.per_image = per_image
        self.lock = threading.Lock()

    def take(self) -> int:
        with self.lock:
            n = min(self.per_image, self.left)
            self.left -= max(n, 0)
            return n

    def give_back(self, n: int) -> None:
        with self.lock:
            self.left += n


def _load_choice(choice: ImageChoice, load: ImageLoader, budget: _Budget, cap_why: str
                 ) -> "tuple[Asset, bytes] | str":
    """The first of the choice's candidate URLs that yields a real image, or
    why none did (the last candidate's reason)."""
    why = "not available"
    for url in choice.urls:
        limit = budget.take()
        if limit <= 0:
            return cap_why
        try:
            data = load(url, limit)
        except Cancelled:
            budget.give_back(limit)
            raise
        except MirrorError as e:
            data, why = None, str(e)
        budget.give_back(limit - len(data or b""))
        if data is None:
            continue
        made = make_asset(data, url) if data else None
        if made is not None:
            return made
        why = "not a usable image" if data else "not available"
    return why


def collect_assets(images: Iterable[ImageChoice], load: ImageLoader, cfg: FetchConfig) -> Collected:
    """Load images within the count and byte caps, `cfg.image_jobs` at a time
    (the loader keeps to one request at a time per host), kept in page order.
    Every image not kept is listed in `failed`, caps included."""
    from concurrent.futures import ThreadPoolExecutor

    todo = list(images)
    names: dict[str, str] = {}
    assets: dict[str, tuple[Asset, bytes]] = {}
    failed: list[ImageFailure] = []
    over_bytes = f"over the article's {cfg.max_images_bytes}-byte image cap (fetch.max_images_bytes)"
    budget = _Budget(cfg.max_images_bytes, cfg.max_image_bytes)
    with ThreadPoolExecutor(max_workers=max(1, cfg.image_jobs), thread_name_prefix="mirror-image") as pool:
        while todo and len(assets) < cfg.max_images and budget.left > 0:
            need = cfg.max_images - len(assets)
            batch, todo = todo[:need], todo[need:]
            got = list(pool.map(lambda c: _load_choice(c, load, budget, over_bytes), batch))
            for choice, made in zip(batch, got):
                if isinstance(made, str):
                    failed.append(ImageFailure(choice.urls[0], made))
                    continue
                names[choice.urls[0]] = made[0].name
                assets.setdefault(made[0].name, made)
    why = f"over the {cfg.max_images}-image cap (fetch.max_images)" if len(assets) >= cfg.max_images else over_bytes
    failed += [ImageFailure(c.urls[0], why) for c in todo]
    return Collected(names, list(assets.values()), failed)


def build_version(html: str, url: str, load: ImageLoader, cfg: FetchConfig,
                  raw: bytes | None = None, filed_as: Callable[[str | None], str] | None = None
                  ) -> NewVersion:
    """Extract, collect images through `load`, sanitise. `url` is the base for
    every relative link and image; the article is filed under `url`, or under
    `filed_as(the page's declared canonical URL)` when given."""
    from mirror.extract import extract

    ex = extract(html, url)
    images = article_images(ex.html, url, extra=[ex.lead_image])
    names, assets, failed = collect_assets(images, load, cfg)
    body = sanitize(ex.html, url, names)
    if not body.strip():
        raise ExtractionError("no article content left after cleaning")
    lead = names.get(choose_url(ex.lead_image, url).url or "")
    new = with_meta(NewVersion(url=filed_as(ex.canonical) if filed_as else url, text=ex.text, html=body,
                               captured=now_utc(), assets=assets, raw=raw, images_failed=failed), ex)
    new.lead_image = f"assets/{lead}" if lead else None  # the page's image URL, now a stored asset
    return new


def network_loader(fetcher: Fetcher, page_url: str) -> ImageLoader:
    """Images through the run's session, as a browser showing `page_url` (where
    the page was fetched from) would ask. All of one article's images end
    `fetch.article_images_timeout` seconds after the first starts; a failure
    is a NetworkError with its reason."""
    import time

    until: list[float] = []
    lock = threading.Lock()

    def load(url: str, limit: int) -> bytes | None:
        with lock:
            if not until:
                until.append(time.monotonic() + fetcher.cfg.article_images_timeout)
        return fetcher.image(url, page_url, limit, until=until[0]).body

    return load


def archive_page(url: str, fetcher: Fetcher, cfg: FetchConfig,
                 validators: dict[str, str] | None = None) -> "tuple[NewVersion | None, Fetched]":
    """Fetch one page and everything the article needs; store nothing. Links
    and images resolve against where the page was served from; the article is
    filed under `urls.article_url` (the user's URL or a same-site canonical).
    With `validators`, a 304 comes back as (None, the response)."""
    from mirror.extract import decode_html

    page = fetcher.page(url, validators) if validators else fetcher.page(url)
    if page.not_modified:
        return None, page
    base = canonical_url(page.url)
    text = decode_html(page.body, page.charset)
    new = build_version(text, base, network_loader(fetcher, page.fetched_url), cfg, raw=page.body,
                        filed_as=lambda declared: article_url(url, page.url, declared))
    return new, page


def _fail(url: str, e: BaseException) -> Outcome:
    if isinstance(e, MirrorError):
        return Outcome(url, False, error=str(e), kind=type(e))
    return Outcome(url, False, error=f"unexpected error: {type(e).__name__}: {e}", kind=MirrorError)


def _saved(url: str, archive: Archive, new: NewVersion) -> Outcome:
    res = archive.save(new)
    return Outcome(url, True, id=res.id, version=res.version, created=res.created, title=new.title,
                   images=len(new.assets), images_failed=tuple(new.images_failed))


def _current(archive: Archive, url: str) -> Outcome | None:
    """The stored article for canonical `url`, as an unchanged outcome, or None."""
    from mirror.errors import NotFound
    from mirror.model import article_id

    try:
        cur = archive.get(article_id(url))
    except NotFound:
        return None
    return Outcome(url, True, id=cur.id, version=cur.version, created=False, title=cur.title,
                   images=len(cur.assets))


def _unchanged(url: str, archive: Archive, canon: str) -> Outcome:
    """A 304: the page is what we stored (or, if it was removed since, an error)."""
    cur = _current(archive, canon)
    if cur is None:
        raise NetworkError("HTTP 304 for a page no longer in the archive; run again with --refresh")
    return replace(cur, url=url, note="not modified")


def _recent(archive: Archive, memory: "Memory", canon: str, refetch_after: float) -> Outcome | None:
    ago = memory.fetched_ago(canon)
    if ago is None or ago >= refetch_after:
        return None
    cur = _current(archive, canon)
    if cur is None:
        return None
    hours = ago / 3600
    when = f"{hours:.0f} h ago" if hours >= 1 else f"{ago / 60:.0f} min ago"
    return replace(cur, note=f"fetched {when}; --refresh fetches it again")


Progress = Callable[[int, int, Outcome], None]
OnResult = Callable[[Outcome], None]



T = TypeVar("T")
R = TypeVar("R")


def parallel(fn: Callable[[T], R], items: list[T], jobs: int, cancel: threading.Event
             ) -> Iterator[tuple[T, R, None] | tuple[T, None, BaseException]]:
    """Run `fn(item)` on `jobs` daemon threads; yield `(item, value, error)`
    in completion order (test `error` by index, `done[2]`, for the checker
    to know `value` is there). When `cancel` is set, no new item starts and this
    returns within a tenth of a second (after yielding the calls already
    finished), without waiting for calls still running: they are daemon
    threads, so a stuck socket never holds the process (the caller cuts their
    sockets, see `Fetcher.cancel`)."""
    todo: queue.SimpleQueue[T] = queue.SimpleQueue()
    done: queue.SimpleQueue[tuple[T, R, None] | tuple[T, None, BaseException]] = queue.SimpleQueue()
    for it in items:
        todo.put(it)

    def worker() -> None:
        while not cancel.is_set():
            try:
                it = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((it, fn(it), None))
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                done.put((it, None, e))

    for _ in range(min(jobs, len(items))):
        threading.Thread(target=worker, daemon=True, name="mirror-fetch").start()
    for _ in items:
        while True:
            if cancel.is_set():
                while True:
                    try:
                        yield done.get_nowait()
                    except queue.Empty:
                        return
            try:
                yield done.get(timeout=0.1)
                break
            except queue.Empty:
                continue


def add_urls(urls: list[str], cfg: Config, archive: Archive, *, proxy: str = "", jobs: int | None = None,
             fetcher: Fetcher | None = None, progress: Progress | None = None,
             on_result: OnResult | None = None, cancel: threading.Event | None = None,
             memory: "Memory | None" = None, refetch_after: float | None = None) -> list[Outcome]:
    """Archive a batch of URLs with `jobs` threads. Each result goes to
    `on_result` the moment it is stored (completion order); the list returned
    is in input order, one per distinct input; inputs naming the same article
    (tracking parameters, #fragments) are fetched once. When `cancel` is set
    the batch stops at once: what was stored stays stored, and the rest come
    back as failures with exit code 130 (not passed to `on_result`). Pass
    `fetcher` to reuse a session (the demo does); else one is made here.
    With `memory`, each fetch is remembered (with its validators, for a
    conditional GET next time), and with `refetch_after` an article fetched
    less than that many seconds ago is not fetched again."""
    jobs = max(1, jobs or cfg.fetch.jobs)
    cancel = cancel or threading.Event()
    order: list[str] = []
    outcomes: dict[str, Outcome] = {}
    groups: dict[str, list[str]] = {}  # canonical URL -> inputs, in input order
    bad: list[Outcome] = []
    for raw in urls:
        u = raw.strip()
        if not u or u in order:
            continue
        order.append(u)
        if is_web_url(u):
            groups.setdefault(canonical_url(u), []).append(u)
        else:
            bad.append(Outcome(u, False, error="not an http(s) URL", kind=UsageError))

    def report(o: Outcome) -> None:
        outcomes[o.url] = o
        if progress:
            progress(len(outcomes), len(order), o)
        if on_result:
            on_result(o)

    for o in bad:
        report(o)
    if memory is not None and refetch_after:
        for canon in list(groups):
            recent = _recent(archive, memory, canon, refetch_after)
            if recent is not None:
                for u in groups.pop(canon):
                    report(replace(recent, url=u))
    own = fetcher is None
    fetcher = fetcher or Fetcher(cfg.fetch, cfg.mirrors, proxy, jobs)
    try:
        def fetch(c: str) -> tuple[NewVersion | None, Fetched]:
            return archive_page(c, fetcher, cfg.fetch, memory.validators(c) if memory is not None else None)

        for done in parallel(fetch, list(groups), jobs, cancel):
            canon = done[0]
            if isinstance(done[2], Cancelled):
                continue  # not done: reported as interrupted below
            first, *rest = groups[canon]
            try:
                if done[2] is not None:
                    raise done[2]
                new, page = done[1]
                result = _unchanged(first, archive, canon) if new is None else \
                    _saved(first, archive, new)  # one writer: this thread
                if memory is not None:
                    memory.fetched(canon, page.etag, page.last_modified)
            except Exception as e:  # noqa: BLE001 - one URL never stops the batch
                result = _fail(first, e)
            for u in (first, *rest):
                report(replace(result, url=u, created=result.created if u == first else
                               (False if result.ok else None)))
    finally:
        if cancel.is_set():
            fetcher.cancel()
        if own:
            fetcher.close()
    for u in order:
        if u not in outcomes:
            outcomes[u] = Outcome(u, False, error="interrupted", kind=Interrupted)
    return [outcomes[u] for u in order]


def local_loader(page_file: Path, base_url: str) -> ImageLoader:
    """Images of a saved page read from its `<name>_files/` folder (what a
    browser's "save page, complete" writes beside `<name>.html`): an image URL
    under the page URL's directory maps to the same relative path under the
    file's directory, and must stay inside that folder. Nothing is fetched.
    Not the whole directory: a hostile page saved to Downloads could name the
    user's own photos there, and they would travel in every bundle packed."""
    root = page_file.resolve().parent
    files = root / f"{page_file.resolve().stem}_files"
    base = urlsplit(base_url)
    base_dir = base.path.rsplit("/", 1)[0] + "/"

    def load(url: str, limit: int) -> bytes | None:
        u = urlsplit(url)
        if (u.scheme, u.netloc) != (base.scheme, base.netloc) or not u.path.startswith(base_dir):
            return None
        rel = unquote(u.path[len(base_dir):])
        if not rel or "\x00" in rel:
            return None
        path = (root / rel).resolve()
        if not path.is_relative_to(files) or not path.is_file():
            return None
        try:
            if path.stat().st_size > limit:
                return None
            return path.read_bytes()
        except OSError:
            return None

    return load


SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->", re.I)
BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"7z\xbc\xaf")


def page_own_url(data: bytes, text: str) -> str | None:
    """The address a saved page names for itself: its canonical link or
    og:url, else the `<!-- saved from url=(N)... -->` comment browsers write."""
    from mirror.extract import extract

    try:
        own = extract(text, None).url
    except MirrorError:
        own = None
    if own and is_web_url(own):
        return own
    m = SAVED_FROM.search(data[:8192])
    if m and is_web_url(m.group(1).decode("ascii", "replace")):
        return m.group(1).decode("ascii")
    return None


def import_file(path: Path, url: str | None, cfg: FetchConfig) -> NewVersion:
    """A page saved by a browser (or received by hand), filed under `url`, or
    the page's own URL when `url` is None."""
    from mirror.extract import decode_html

    try:
        size = path.stat().st_size
        if size > cfg.max_page_bytes:
            raise UsageError(f"{path}: too large ({size} bytes > {cfg.max_page_bytes})")
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    if data.startswith(BINARY_MAGIC) or b"\x00" in data[:4096]:
        raise UsageError(f"{path}: not an HTML file")
    text = decode_html(data, None)
    if url is None:
        url = page_own_url(data, text)
        if url is None:
            raise UsageError(f"{path}: the page names no URL of its own (no canonical link, og:url or "
                             "'saved from' comment): give it with --url")
    canonical = canonical_url(url)
    return build_version(text, canonical, local_loader(path, canonical), cfg, raw=data)


def check_import(files: list[str], url: str | None) -> None:
    """One `url` names one article: with several files it is refused (they
    would be stored as versions of each other)."""
    if url is not None and not is_web_url(url):
        raise UsageError(f"--url must be an http(s) URL, not {url!r}")
    if url is not None and len(files) > 1:
        raise UsageError("--url names one article: give one file with it, or leave it out to take each "
                         "page's own URL")


def import_files(files: list[str], url: str | None, cfg: Config, archive: Archive,
                 on_result: OnResult | None = None) -> list[Outcome]:
    """Each file under `url`, or under its own URL when `url` is None."""
    check_import(files, url)
    out = []
    for f in files:
        try:
            o = _saved(os.fspath(f), archive, import_file(Path(f), url, cfg.fetch))
        except Exception as e:  # noqa: BLE001 - report per file, continue
            o = _fail(os.fspath(f), e)
        out.append(o)
        if on_result:
            on_result(o)
    return out


def read_url_file(path: str) -> list[str]:
    """URLs one per line (`-`: standard input); blank lines and `#` comments skipped."""
    import sys

    try:
        if path == "-":
            lines = sys.stdin.buffer.read(16 * 1024 * 1024).decode("utf-8").splitlines()
        else:
            with open(path, encoding="utf-8") as f:
                lines = f.read(16 * 1024 * 1024).splitlines()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{'standard input' if path == '-' else path}: not UTF-8 text") from None
    return [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]


def batch_error(outcomes: list[Outcome]) -> MirrorError | None:
    """The error that sets the exit code: 130 if the batch was interrupted,
    3 if any fetch failed, else 1."""
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return None
    left = sum(o.interrupted for o in failed)
    if left:
        saved = sum(o.ok for o in outcomes)
        return Interrupted(f"interrupted: {saved} saved, {len(failed) - left} failed, {left} not done "
                           "(`mirror add --resume` finishes the batch)")
    msg = f"{len(failed)} of {len(outcomes)} failed"
    if any(o.retryable for o in failed):
        return NetworkError(msg)
    return MirrorError(msg)
