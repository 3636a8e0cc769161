"""URL hygiene shared by fetching and sanitising: absolutise, de-track, and map
an outlet's host to the mirror host we actually fetch from (and back)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urljoin, urlsplit, urlunsplit

from mirror import tracking

SAFE_LINK_SCHEMES = ("http", "https", "mailto")

# Second-level labels under which a country code's registrable names sit
# ("bbc.co.uk", "abc.net.au"): a small public-suffix heuristic, stated once.
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob",
                           "mil", "nic", "ltd", "plc", "sch", "info", "biz"})


def detrack(url: str) -> str:
    """Unwrap known redirect wrappers and drop tracking parameters (the shipped
    lists, `mirror.tracking`); keep everything else in order."""
    return tracking.clean(url)


def strip_userinfo(url: str) -> str:
    """`url` without `user:pass@`: credentials never travel in a stored URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def site_of(url_or_host: str) -> str:
    """The registrable domain ("news.bbc.co.uk" -> "bbc.co.uk"). A heuristic, not
    the public-suffix list: the last two labels, three when the second-to-last
    is a generic second-level label under a two-letter country code. IP
    literals are their own site."""
    host = host_of(url_or_host) if "/" in url_or_host else url_or_host.lower()
    host = host.rstrip(".")
    labels = host.split(".")
    if len(labels) <= 2 or labels[-1].isdigit() or ":" in host:
        return host
    if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(a: str, b: str) -> bool:
    return bool(host_of(a)) and site_of(a) == site_of(b)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # (what "ch < ' ' or ch == '\x7f'" drops)


def absolutise(href: str, base: str | None) -> str | None:
    """`href` resolved against `base`, or None if it is not a safe web link.

    Whitespace and control characters inside a scheme ("java\\tscript:") are the
    classic filter bypass, so they are stripped before the scheme is judged."""
    raw = _CONTROL.sub("", href.strip())
    if not raw:
        return None
    full = urljoin(base, raw) if base else raw
    try:
        parts = urlsplit(full)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_LINK_SCHEMES:
        return None
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        return None
    return full


def clean_link(href: str, base: str | None) -> str | None:
    """A link as it is kept in an archived article: absolute, safe, de-tracked.
    Pure in-page anchors ("#notes") stay relative so they keep working offline."""
    h = href.strip()
    if h.startswith("#"):
        return h if len(h) > 1 else None
    full = absolutise(h, base)
    return detrack(full) if full else None


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _swap_host(url: str, host: str) -> str:
    """Replace the host (and port) of `url`; `host` may carry a port or a scheme."""
    parts = urlsplit(url)
    if "://" in host:
        target = urlsplit(host)
        return urlunsplit(parts._replace(scheme=target.scheme, netloc=target.netloc))
    userinfo = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=(userinfo + "@" if userinfo else "") + host))


def _mirror_netloc(mirror: str) -> str:
    return urlsplit(mirror).netloc.lower() if "://" in mirror else mirror.lower()


def to_mirror(url: str, mirrors: dict[str, str]) -> str:
    """The URL to fetch: an outlet host listed in `[mirrors]` is swapped for its mirror."""
    host = host_of(url)
    mirror = mirrors.get(host)
    return _swap_host(url, mirror) if mirror else url


def from_mirror(url: str, mirrors: dict[str, str]) -> str:
    """The canonical URL: a fetched mirror URL mapped back to the outlet's host."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower().rpartition("@")[2]
    for outlet, mirror in mirrors.items():
        if netloc == _mirror_netloc(mirror) or (parts.hostname or "") == _mirror_netloc(mirror):
            scheme = parts.scheme
            return urlunsplit(parts._replace(scheme=scheme, netloc=outlet))
    return url


def canonical_url(url: str) -> str:
    """The URL an article is filed under: de-tracked, without credentials or #fragment."""
    return strip_userinfo(detrack(url.strip())).split("#", 1)[0]


def article_url(given: str, page_url: str, declared: str | None) -> str:
    """The URL an article is filed under (it travels in every bundle the article
    enters): the page's own canonical URL (rel=canonical, og:url) when it is on
    the site that served the page and is no downgrade from https, else the URL
    the user gave; cleaned either way. Never the URL a redirect ended on: a
    server could put a per-fetch token there (`/t/8f3a.../story`) and make it
    the article's identity."""
    if declared and valid_url(declared.strip()) and same_site(declared, page_url) \
            and not (urlsplit(page_url).scheme.lower() == "https"
                     and urlsplit(declared.strip()).scheme.lower() != "https"):
        return canonical_url(declared)
    return canonical_url(given)


MAX_URL_CHARS = 4096


def valid_url(url: str) -> bool:
    """The URL rule for what we store, fetch and carry in bundles: http(s)
    with a host, at most 4,096 characters, and no whitespace (space, tab,
    NBSP...), control, format (bidi, zero-width) or separator character
    anywhere: a browser would have percent-encoded them, so such a URL was
    made by hand, and it reads differently in a terminal than it fetches."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        return False
    # The ASCII characters that are whitespace, control (C) or separator (Z)
    # are exactly the unprintable ones and the space: one pass in C for the
    # usual URL, the test of every character for the rest.
    plain = url.isascii() and url.isprintable() and " " not in url
    if not plain and any(c.isspace() or unicodedata.category(c)[0] in "CZ" for c in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def is_web_url(url: str) -> bool:
    """`valid_url` for typed input: surrounding whitespace is forgiven."""
    return valid_url(url.strip()) if isinstance(url, str) else False
