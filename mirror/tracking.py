"""Which parts of a URL only exist to track the visitor, and the URL without them.

Data, not code: Brave's clean-urls list (shipped unchanged, MPL-2.0) and our own
additions in the same shape (`mirror/data/tracking/`). A rule removes its
`params` from URLs its `include` patterns match and its `exclude` patterns do
not; redirect wrappers (`l.facebook.com/l.php?u=...`) are unwrapped to the URL
they carry. The same parameters are removed from `#k=v&...` fragments.
`tracker_image` names image URLs that exist only to count readers (our own
`tracker-images.json`): the image rule drops them before any request.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, TypeVar
from importlib import resources
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

MAX_UNWRAP = 5  # wrappers inside wrappers, bounded


@dataclass(frozen=True)
class Pattern:
    """A WebExtension match pattern: `scheme://host/path`, `*` a wildcard,
    `*.example.com` meaning example.com and its subdomains."""

    scheme: str
    host: str
    path: str

    @classmethod
    def parse(cls, text: str) -> "Pattern":
        scheme, _, rest = text.partition("://")
        host, slash, path = rest.partition("/")
        return cls(scheme.lower(), host.lower(), slash + path if slash else "/*")

    def matches(self, scheme: str, host: str, path_query: str) -> bool:
        return self.matches_host(scheme, host) and fnmatch.fnmatchcase(path_query, self.path)

    def matches_host(self, scheme: str, host: str) -> bool:
        if self.scheme != "*" and self.scheme != scheme:
            return False
        if self.host != "*":
            if self.host.startswith("*."):
                base = self.host[2:]
                if not (host == base or host.endswith("." + base)):
                    return False
            elif not fnmatch.fnmatchcase(host, self.host):
                return False
        return True


@dataclass(frozen=True)
class Rule:
    include: tuple[Pattern, ...]
    exclude: tuple[Pattern, ...]
    params: frozenset[str]

    def applies(self, scheme: str, host: str, path_query: str) -> bool:
        return (any(p.matches(scheme, host, path_query) for p in self.include)
                and not any(p.matches(scheme, host, path_query) for p in self.exclude))


@dataclass(frozen=True)
class Wrapper:
    include: tuple[Pattern, ...]
    param: str


@dataclass(frozen=True)
class Lists:
    rules: tuple[Rule, ...]
    prefixes: tuple[str, ...]
    wrappers: tuple[Wrapper, ...]

    def global_params(self) -> frozenset[str]:
        every = Pattern.parse("*://*/*")
        return frozenset().union(*(r.params for r in self.rules if every in r.include))


@dataclass(frozen=True)
class TrackerImages:
    hosts: frozenset[str]  # a host and its subdomains
    patterns: tuple[Pattern, ...]
    dirs: frozenset[str]  # a directory anywhere in the path
    files: frozenset[str]  # the last path segment


def _rules(raw: list[dict[str, Any]]) -> list[Rule]:
    return [Rule(tuple(Pattern.parse(p) for p in r.get("include", [])),
                 tuple(Pattern.parse(p) for p in r.get("exclude", [])),
                 frozenset(p.lower() for p in r.get("params", []))) for r in raw]


def _read(name: str) -> Any:  # parsed JSON
    return json.loads(resources.files("mirror.data").joinpath("tracking", name).read_text("utf-8"))


@lru_cache(maxsize=1)
def lists() -> Lists:
    """The shipped lists, read once."""
    brave = _read("brave-clean-urls.json")
    ours = _read("mirror-extra.json")
    return Lists(
        rules=tuple(_rules(brave) + _rules(ours["rules"])),
        prefixes=tuple(p.lower() for p in ours.get("prefixes", [])),
        wrappers=tuple(Wrapper(tuple(Pattern.parse(p) for p in w["include"]), w["param"])
                       for w in ours.get("wrappers", [])))


@lru_cache(maxsize=1)
def tracker_images() -> TrackerImages:
    raw = _read("tracker-images.json")
    return TrackerImages(frozenset(h.lower() for h in raw["hosts"]),
                         tuple(Pattern.parse(p) for p in raw["patterns"]),
                         frozenset(d.lower() for d in raw["dirs"]), frozenset(f.lower() for f in raw["files"]))


def tracker_image(url: str) -> str | None:
    """Why an image URL is a tracker (a known counting host or path, or a bare
    query on the site root: `/?e=open&uid=42`), or None. Decided on the URL
    alone, so the tracker never gets its request."""
    try:
        parts = urlsplit(url)
        scheme, host, path_query = _where_parts(parts)
        path, query = parts.path, parts.query
    except ValueError:
        return "an unreadable URL"
    ti = tracker_images()
    labels = host.rstrip(".").split(".")
    if any(".".join(labels[i:]) in ti.hosts for i in range(len(labels))):
        return "a known tracking host"
    if any(p.matches(scheme, host, path_query) for p in _tracker_patterns_for_site(scheme, host)):
        return "a known tracking URL"
    segments = [seg.lower() for seg in path.split("/") if seg]
    if segments and segments[-1] in ti.files:
        return "a tracking pixel's name"
    if any(seg in ti.dirs for seg in segments[:-1]):
        return "a tracking path"
    if not segments and query:
        return "a bare query, no image path"
    return None


def _where(url: str) -> tuple[str, str, str]:
    return _where_parts(urlsplit(url))


def _where_parts(parts: SplitResult) -> tuple[str, str, str]:
    path = parts.path or "/"
    return parts.scheme.lower(), (parts.hostname or "").lower(), path + ("?" + parts.query if parts.query else "")


_Included = TypeVar("_Included", Rule, Wrapper)


def _including(items: Iterable[_Included], scheme: str, host: str) -> tuple[_Included, ...]:
    """The items with an include pattern for this scheme and host (a page's
    images share a few hosts, and most of the lists name one site each, so
    the callers cache this per site)."""
    return tuple(x for x in items if any(p.matches_host(scheme, host) for p in x.include))


@lru_cache(maxsize=4096)
def _rules_for_site(scheme: str, host: str) -> tuple[Rule, ...]:
    return _including(lists().rules, scheme, host)


@lru_cache(maxsize=4096)
def _tracker_patterns_for_site(scheme: str, host: str) -> tuple[Pattern, ...]:
    """The tracker-image patterns for this scheme and host (most name one site)."""
    return tuple(p for p in tracker_images().patterns if p.matches_host(scheme, host))


@lru_cache(maxsize=4096)
def _wrappers_for_site(scheme: str, host: str) -> tuple[Wrapper, ...]:
    return _including(lists().wrappers, scheme, host)


def tracking_params_for(url: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """(names, prefixes) that are tracking on this URL's site."""
    where = _where(url)
    names = frozenset().union(*(r.params for r in _rules_for_site(*where[:2]) if r.applies(*where)))
    return names, lists().prefixes


def _strip(pairs: list[tuple[str, str]], names: frozenset[str], prefixes: tuple[str, ...]
           ) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k.lower() not in names and not k.lower().startswith(prefixes)]


def unwrap(url: str) -> str:
    """The URL a known redirect wrapper carries (repeatedly), else `url`."""
    for _ in range(MAX_UNWRAP):
        where = _where(url)
        inner = None
        for w in _wrappers_for_site(*where[:2]):  # (most URLs: none)
            if any(p.matches(*where) for p in w.include):
                value = dict(parse_qsl(urlsplit(url).query)).get(w.param, "")
                if urlsplit(value).scheme.lower() in ("http", "https") and urlsplit(value).hostname:
                    inner = value
                    break
        if inner is None:
            return url
        url = inner
    return url


def clean(url: str) -> str:
    """`url` unwrapped and without tracking parameters (query and `#k=v` fragment);
    everything else kept in order, byte for byte where nothing was removed."""
    try:
        url = unwrap(url)
        parts = urlsplit(url)
    except ValueError:
        return url
    query, fragment = parts.query, parts.fragment
    if not query and "=" not in fragment:
        return url  # nothing a rule could remove
    names, prefixes = tracking_params_for(url)
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = _strip(pairs, names, prefixes)
        if len(kept) != len(pairs):
            query = urlencode(kept, doseq=True)
    if fragment and "=" in fragment:
        pairs = parse_qsl(fragment, keep_blank_values=True)
        kept = _strip(pairs, names, prefixes)
        if pairs and len(kept) != len(pairs):
            fragment = urlencode(kept, doseq=True)
    if (query, fragment) == (parts.query, parts.fragment):
        return url
    return urlunsplit(parts._replace(query=query, fragment=fragment))


def is_tracking_only(url: str) -> bool:
    """True when the URL has a query and every parameter in it is a tracking one."""
    try:
        q = urlsplit(url).query
    except ValueError:
        return False
    pairs = parse_qsl(q, keep_blank_values=True)
    if not pairs:
        return False
    names, prefixes = tracking_params_for(url)
    return not _strip(pairs, names, prefixes)
