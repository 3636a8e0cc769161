"""Archive the samples with the real pipeline, unable to reach anything else.

The pipeline's own Fetcher is used with the demo server as its only proxy and
a guard that refuses, before sending, every URL that is not on a sample site;
so the demo can never touch the internet and every attempt is recorded.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mirror.demo.samples import SITE_HOSTS
from mirror.errors import MirrorError, NetworkError

if TYPE_CHECKING:
    from mirror.config import Config
    from mirror.fetch import Fetcher
    from mirror.pipeline import Outcome


class DemoFailed(MirrorError):
    """A demo step or one of its privacy checks failed."""

    def __init__(self, message: str):
        super().__init__(" ".join(message.split()))  # always one line


def local_only_fetcher(cfg: Config, proxy: str, blocked: list[str]) -> Fetcher:
    """The pipeline's own Fetcher, sending everything through the demo server
    (its proxy) and refusing, before sending, any URL that is not on a sample
    site: the demo can never touch the internet, and every attempt is recorded."""
    from mirror.fetch import Fetcher

    class LocalOnly(Fetcher):
        def allow(self, url: str) -> None:  # called before every request and redirect hop
            u = urlsplit(url)
            if u.scheme != "http" or (u.hostname or "").lower() not in SITE_HOSTS:
                blocked.append(url)
                raise NetworkError(f"demo: refused a URL outside the sample sites: {url}")

    return LocalOnly(cfg.fetch, {}, proxy, cfg.fetch.jobs)


def demo_config(cfg: Config) -> Config:
    """The user's config for talking to our own server: no delay, no retries,
    no proxy of the user's (Tor cannot reach loopback), no mirror domains."""
    fetch = replace(cfg.fetch, per_host_delay=0.0, retries=0, proxy="", timeout=10.0)
    return replace(cfg, fetch=fetch, mirrors={})


def archive_samples(urls: list[str], cfg: Config, archive_dir: Path, fetcher: Fetcher) -> list[Outcome]:
    from mirror.store import Archive
    from mirror.pipeline import add_urls

    with Archive.open(archive_dir) as ar:
        outcomes = add_urls(urls, cfg, ar, fetcher=fetcher)
    bad = [o for o in outcomes if not o.ok]
    if bad:
        raise DemoFailed(f"archiving {bad[0].url} failed: {bad[0].error}")
    return outcomes
