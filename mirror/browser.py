"""What the browser we claim to be (Firefox ESR, `config.FIREFOX_ESR_UA`) sends,
header for header and in its order, so a server cannot tell mirror from it.

Recorded from Debian's firefox-esr (tests/test_fingerprint.py compares us with
it on every run): a document opened from outside the browser (a link from a
messenger), and the images it shows. Firefox sends more to "potentially
trustworthy" origins (https, loopback): brotli and zstd in Accept-Encoding and
the Sec-Fetch-* headers; over plain http it sends neither. Images carry the
Referer of the default policy, strict-origin-when-cross-origin: the page's URL
to its own origin, only the origin elsewhere, nothing from https to http.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from mirror.config import FetchConfig
from mirror.urls import host_of, site_of, strip_userinfo

PAGE_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
ENCODINGS_TRUSTWORTHY = "gzip, deflate, br, zstd"  # urllib3[brotli,zstd] decodes both
ENCODINGS_PLAIN = "gzip, deflate"
PAGE_PRIORITY = "u=0, i"
IMAGE_PRIORITY = "u=4, i"


def trustworthy(url: str) -> bool:
    """A potentially trustworthy origin, as Firefox judges it: https, or loopback."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "https":
        return True
    host = (parts.hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str, int | None]:
    p = urlsplit(url)
    return p.scheme.lower(), (p.hostname or "").lower(), p.port


def fetch_site(document: str, target: str) -> str:
    """Sec-Fetch-Site of a request from `document` to `target`."""
    if _origin(document) == _origin(target):
        return "same-origin"
    same = urlsplit(document).scheme.lower() == urlsplit(target).scheme.lower() \
        and site_of(host_of(document)) == site_of(host_of(target))
    return "same-site" if same else "cross-site"


def referer(document: str, target: str) -> str | None:
    """strict-origin-when-cross-origin: the full URL (no fragment, no credentials)
    to the same origin, the origin elsewhere, nothing on a downgrade."""
    doc = urlsplit(strip_userinfo(document))
    if doc.scheme.lower() == "https" and urlsplit(target).scheme.lower() != "https":
        return None
    if _origin(document) == _origin(target):
        return urlunsplit(doc._replace(fragment=""))
    return urlunsplit((doc.scheme, doc.netloc, "/", "", ""))


def _common(cfg: FetchConfig, accept: str, target: str) -> dict[str, str]:
    return {"User-Agent": cfg.user_agent, "Accept": accept, "Accept-Language": cfg.accept_language,
            "Accept-Encoding": ENCODINGS_TRUSTWORTHY if trustworthy(target) else ENCODINGS_PLAIN}


def page_headers(cfg: FetchConfig, target: str) -> dict[str, str]:
    """A top-level document, opened from outside the browser (no Referer)."""
    h = _common(cfg, PAGE_ACCEPT, target)
    h |= {"Connection": "keep-alive", "Upgrade-Insecure-Requests": "1"}
    if trustworthy(target):
        h |= {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none"}
    return h | {"Priority": PAGE_PRIORITY}


def image_headers(cfg: FetchConfig, target: str, document: str | None) -> dict[str, str]:
    """An `<img>` of the page at `document` (None: no page, no Referer)."""
    h = _common(cfg, IMAGE_ACCEPT, target)
    site = fetch_site(document, target) if document else "none"
    if trustworthy(target) and site == "cross-site":
        h["Sec-Fetch-Storage-Access"] = "none"
    h["Connection"] = "keep-alive"
    ref = referer(document, target) if document else None
    if ref:
        h["Referer"] = ref
    if trustworthy(target):
        h |= {"Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": site}
    return h | {"Priority": IMAGE_PRIORITY}
