"""Titles without the site's name: "Story | Site", "Site - Story"."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from mirror.extract.fields import clean_ws

_TITLE_SEPS = re.compile(r"\s+(?:\||-|–|—|·|•|::|»|«|/|:)\s+")


def _site_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else (host or None)


def _site_matcher(site_name: str | None, url: str | None) -> Callable[[str], bool]:
    keys = {k.lower() for k in (site_name, _site_from_url(url)) if k}
    compact_keys = {re.sub(r"[^\w]", "", k) for k in keys}
    host = _site_from_url(url) or ""
    host_root = host.split(".")[-2] if host.count(".") >= 1 else host

    def is_site(p: str) -> bool:
        pl = p.lower().strip()
        compact = re.sub(r"[^\w]", "", pl)
        return pl in keys or compact in compact_keys or (
            bool(host_root) and compact == host_root.lower()) or (
            bool(host_root) and len(compact) > 3 and compact in host.replace(".", ""))

    return is_site


def clean_title(title: str, site_name: str | None, h1: str | list[str] | None,
                url: str | None) -> str:
    """Drop a "| Site name" (or "Site - ") part from a page title. A page
    heading that matches part of the title settles it (logo headings that
    name the site do not count)."""
    title = clean_ws(title)
    is_site = _site_matcher(site_name, url)
    h1s = [clean_ws(h) for h in ([h1] if isinstance(h1, str) else (h1 or [])) if h]
    h1s = [h for h in h1s if h and not is_site(h)]
    if any(h.lower() == title.lower() for h in h1s):
        return title
    parts = _TITLE_SEPS.split(title)
    if len(parts) < 2:
        return title
    lower_parts = [p.lower() for p in parts]
    for h in h1s:
        if h.lower() in lower_parts or (len(h) >= 10 and h.lower() in title.lower()):
            return h
    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    if len(parts) > 1:
        # Unknown suffix: drop a short last part when the rest is long (a title
        # is rarely "long sentence | Two Words").
        last = parts[-1]
        rest = " ".join(parts[:-1])
        if len(last.split()) <= 3 and len(rest.split()) >= 4 and len(parts) == 2:
            parts.pop()
    # re-join with the original separators
    if len(parts) == len(_TITLE_SEPS.split(title)):
        return title
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else " - ".join(parts)
