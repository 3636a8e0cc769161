"""Page -> archived article: extract, fetch the article's images, sanitise, store.

`build_version` is the pure-ish core (HTML + an image loader -> NewVersion);
`archive_page` fetches a URL through a `Fetcher`; `add_urls` runs a batch in
threads and `import_files` takes pages saved by a browser. One failing URL
never stops a batch: each gets an `Outcome` with a one-line error.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable
from urllib.parse import unquote, urlsplit

from mirror.config import Config, FetchConfig
from mirror.errors import ExtractionError, MirrorError, NetworkError, UsageError
from mirror.fetch import Fetcher
from mirror.imagerule import ImageChoice, choose_url
from mirror.model import Asset, NewVersion
from mirror.sanitize import article_images, make_asset, sanitize
from mirror.urls import article_url, canonical_url, is_web_url

if TYPE_CHECKING:
    from mirror.store import Archive

# (absolute image URL, byte limit) -> bytes, or None when the image is not available.
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
    exit_code: int = 0

    def to_json(self) -> dict:
        return {"url": self.url, "ok": self.ok, "id": self.id, "version": self.version,
                "created": self.created, "error": self.error, "title": self.title,
                "images": self.images}


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def collect_assets(images: Iterable[ImageChoice], load: ImageLoader, cfg: FetchConfig
                   ) -> tuple[dict[str, str], list[tuple[Asset, bytes]]]:
    """Load images in order within the count and byte caps, each from the first
    of its candidate URLs that yields a real image. Returns image URL (the
    choice's first) -> asset name for those kept, and the distinct assets."""
    names: dict[str, str] = {}
    assets: dict[str, tuple[Asset, bytes]] = {}
    budget = cfg.max_images_bytes
    for choice in images:
        if len(assets) >= cfg.max_images or budget <= 0:
            break
        made = None
        for url in choice.urls:
            data = load(url, min(cfg.max_image_bytes, budget))
            made = make_asset(data, url) if data else None
            if made is not None:
                break
        if made is None:
            continue
        asset = made[0]
        names[choice.urls[0]] = asset.name
        if asset.name not in assets:
            assets[asset.name] = made
            budget -= asset.size
    return names, list(assets.values())


def build_version(html: str, url: str, load: ImageLoader, cfg: FetchConfig,
                  raw: bytes | None = None, filed_as: Callable[[str | None], str] | None = None
                  ) -> NewVersion:
    """Extract, collect images through `load`, sanitise. `url` is the base for
    every relative link and image; the article is filed under `url`, or under
    `filed_as(the page's declared canonical URL)` when given."""
    from mirror.extract import extract

    ex = extract(html, url)
    images = article_images(ex.html, url, extra=[ex.lead_image])
    names, assets = collect_assets(images, load, cfg)
    body = sanitize(ex.html, url, names)
    if not body.strip():
        raise ExtractionError("no article content left after cleaning")
    lead = names.get(choose_url(ex.lead_image, url).url or "")
    return NewVersion(
        url=filed_as(ex.canonical) if filed_as else url, title=ex.title, byline=ex.byline, published=ex.published, modified=ex.modified,
        lang=ex.lang, site_name=ex.site_name, text=ex.text, html=body, captured=now_utc(),
        lead_image=f"assets/{lead}" if lead else None, assets=assets, raw=raw)


def network_loader(fetcher: Fetcher, page_url: str) -> ImageLoader:
    """Images through the run's session, as a browser showing `page_url` (where
    the page was fetched from) would ask; a failed image is simply left out."""

    def load(url: str, limit: int) -> bytes | None:
        try:
            return fetcher.image(url, page_url, limit).body
        except NetworkError:
            return None

    return load


def archive_page(url: str, fetcher: Fetcher, cfg: FetchConfig) -> NewVersion:
    """Fetch one page and everything the article needs; store nothing. Links
    and images resolve against where the page was served from; the article is
    filed under `urls.article_url` (the user's URL or a same-site canonical)."""
    from mirror.extract import decode_html

    page = fetcher.page(url)
    base = canonical_url(page.url)
    text = decode_html(page.body, page.charset)
    return build_version(text, base, network_loader(fetcher, page.fetched_url), cfg, raw=page.body,
                         filed_as=lambda declared: article_url(url, page.url, declared))


def _fail(url: str, e: BaseException) -> Outcome:
    if isinstance(e, MirrorError):
        return Outcome(url, False, error=str(e), exit_code=e.exit_code)
    return Outcome(url, False, error=f"unexpected error: {type(e).__name__}: {e}", exit_code=1)


def _saved(url: str, archive: Archive, new: NewVersion) -> Outcome:
    res = archive.save(new)
    return Outcome(url, True, id=res.id, version=res.version, created=res.created, title=new.title,
                   images=len(new.assets))


Progress = Callable[[int, int, Outcome], None]


def add_urls(urls: list[str], cfg: Config, archive: Archive, *, proxy: str = "", jobs: int | None = None,
             fetcher: Fetcher | None = None, progress: Progress | None = None) -> list[Outcome]:
    """Archive a batch of URLs with `jobs` threads. Results are in input order,
    one per distinct input; inputs naming the same article (tracking
    parameters, #fragments) are fetched once. Pass `fetcher` to reuse a
    session (the demo does); else one is made here."""
    jobs = max(1, jobs or cfg.fetch.jobs)
    order: list[str] = []
    outcomes: dict[str, Outcome] = {}
    groups: dict[str, list[str]] = {}  # canonical URL -> inputs, in input order
    for raw in urls:
        u = raw.strip()
        if not u or u in order:
            continue
        order.append(u)
        if is_web_url(u):
            groups.setdefault(canonical_url(u), []).append(u)
        else:
            outcomes[u] = Outcome(u, False, error="not an http(s) URL", exit_code=UsageError.exit_code)
    own = fetcher is None
    fetcher = fetcher or Fetcher(cfg.fetch, cfg.mirrors, proxy, jobs)
    done = len(outcomes)
    try:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        try:
            futures = {pool.submit(archive_page, c, fetcher, cfg.fetch): c for c in groups}
            for fut in concurrent.futures.as_completed(futures):
                first, *rest = groups[futures[fut]]
                try:
                    result = _saved(first, archive, fut.result())  # one writer: this thread
                except Exception as e:  # noqa: BLE001 - one URL never stops the batch
                    result = _fail(first, e)
                for u in (first, *rest):
                    outcomes[u] = replace(result, url=u, created=result.created if u == first else
                                          (False if result.ok else None))
                    done += 1
                    if progress:
                        progress(done, len(order), outcomes[u])
        finally:
            # On Ctrl-C, queued URLs are dropped; only in-flight requests finish.
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        if own:
            fetcher.close()
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


def import_file(path: Path, url: str, cfg: FetchConfig) -> NewVersion:
    """A page saved by a browser (or received by hand), filed under `url`."""
    from mirror.extract import decode_html

    try:
        size = path.stat().st_size
        if size > cfg.max_page_bytes:
            raise UsageError(f"{path}: too large ({size} bytes > {cfg.max_page_bytes})")
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    canonical = canonical_url(url)
    return build_version(decode_html(data, None), canonical, local_loader(path, canonical), cfg, raw=data)


def import_files(files: list[str], url: str, cfg: Config, archive: Archive) -> list[Outcome]:
    if not is_web_url(url):
        raise UsageError(f"--url must be an http(s) URL, not {url!r}")
    out = []
    for f in files:
        try:
            out.append(_saved(os.fspath(f), archive, import_file(Path(f), url, cfg.fetch)))
        except Exception as e:  # noqa: BLE001 - report per file, continue
            out.append(_fail(os.fspath(f), e))
    return out


def read_url_file(path: str) -> list[str]:
    """URLs one per line; blank lines and `#` comments skipped."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read(16 * 1024 * 1024).splitlines()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    return [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]


def batch_error(outcomes: list[Outcome]) -> MirrorError | None:
    """The error that sets the exit code: 3 if any fetch failed, else 1."""
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return None
    msg = f"{len(failed)} of {len(outcomes)} failed"
    if any(o.exit_code == NetworkError.exit_code for o in failed):
        return NetworkError(msg)
    return MirrorError(msg)
