"""The one image rule: which URLs an `<img>` shows, in the order to try them,
or why it is dropped before any request. Extraction (`mirror.extract.images`)
decides once and writes the decision on the element (`src` plus
`data-mirror-fallback`); the sanitiser reads it back through the same rule
(which is idempotent on its own output), and the pipeline fetches the
candidates in order until one is an image.

- Candidates, in one precedence: lazy-loading attributes, the `<img>`'s srcset
  (largest first), the surrounding `<picture>`'s sources (largest first),
  `src`, then earlier fallbacks. Placeholders, SVG and non-http(s) are skipped.
- Each is absolutised, cleaned of tracking parameters, and on an https page an
  http URL is upgraded to https (as Firefox does with mixed-content images):
  nothing is fetched in clear text from a page that came encrypted.
- Trackers go before any request: a declared or CSS size of 0/1 px, a known
  tracking host or path (`tracking.tracker_image`); so do icons, avatars,
  logos and other small images that are not part of the story.
- Same-site candidates come first, so a third party is contacted only when
  the site itself has no copy; at most MAX_CANDIDATES are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from mirror import tracking
from mirror.urls import absolutise, same_site

LAZY_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-hi-res-src",
              "data-full-src", "data-image", "data-img-src", "data-echo", "data-actualsrc",
              "data-original-src", "data-large-src")
SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "srcset")
FALLBACK_ATTR = "data-mirror-fallback"  # the decision's other candidates, space-separated
SOURCE_ATTRS = frozenset({"src", *LAZY_ATTRS, *SRCSET_ATTRS, FALLBACK_ATTR, "sizes"})
MAX_CANDIDATES = 3
MIN_STORY_PX = 50  # a declared size below this is an icon or a badge, not a photo

_PLACEHOLDER = re.compile(r"^(?:data|blob|about):|blank\.(?:gif|png)|spacer|1x1|transparent\.(?:gif|png)|"
                          r"placeholder|lazy[-_]?load(?:er|ing)?\.|loading\.(?:gif|svg)|grey\.gif|empty\.", re.I)
_NOT_STORY = re.compile(r"avatar|gravatar|/icons?/|[-_/.]icon[-_.]|favicon|logo|sprite|badge|emoji|/ads?/|"
                        r"adserver", re.I)
_NOT_STORY_CLASS = re.compile(r"avatar|icon|logo|emoji|author|profile|sprite|badge|ad-|tracking", re.I)
_CSS_SIZE = re.compile(r"(?:^|;)\s*(?:width|height)\s*:\s*[01](?:\.0+)?(?:px)?\s*(?:!important)?\s*(?:;|$)", re.I)


@dataclass(frozen=True)
class ImageChoice:
    """The decision for one image: `urls` to try in order (the first is its
    identity), or empty with `dropped` saying why."""

    urls: tuple[str, ...] = ()
    dropped: str | None = None

    @property
    def url(self) -> str | None:
        return self.urls[0] if self.urls else None


def parse_srcset(srcset: str) -> list[str]:
    """A srcset's candidate URLs, largest first (by width; density outranks any width)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(srcset.split(",")):
        bits = part.strip().split()
        if not bits:
            continue
        w = 1.0
        if len(bits) > 1:
            d = bits[1].lower()
            try:
                w = float(d[:-1]) * (1000 if d.endswith("x") else 1) if d[-1:] in ("w", "x") else 1.0
            except ValueError:
                w = 1.0
        ranked.append((-w, i, bits[0]))
    return [u for _, _, u in sorted(ranked)]


def raw_sources(attrs: Mapping[str, str], picture: Sequence[str] = ()) -> list[str]:
    """Every candidate as written, in the rule's precedence, placeholders skipped."""
    found: list[str] = [attrs.get(a) or "" for a in LAZY_ATTRS]
    for a in SRCSET_ATTRS:
        found += parse_srcset(attrs.get(a) or "")
    for srcset in picture:
        found += parse_srcset(srcset)
    found.append(attrs.get("src") or "")
    found += (attrs.get(FALLBACK_ATTR) or "").split()
    return [s.strip() for s in found if s and s.strip() and not _PLACEHOLDER.search(s.strip()[:200])]


def _declared(v: str | None) -> int | None:
    m = re.match(r"\s*(\d+)", v or "")
    return int(m.group(1)) if m else None


def _size_refusal(attrs: Mapping[str, str]) -> str | None:
    sizes = [_declared(attrs.get("width")), _declared(attrs.get("height"))]
    if any(s is not None and s <= 1 for s in sizes) or _CSS_SIZE.search(attrs.get("style") or ""):
        return "a tracking pixel (declared size)"
    if any(s is not None and s < MIN_STORY_PX for s in sizes):
        return "too small to be part of the story"
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    if names.strip() and _NOT_STORY_CLASS.search(names):
        return "not part of the story"
    return None


def _looks_svg(url: str) -> bool:
    return urlsplit(url).path.lower().endswith((".svg", ".svgz"))


def _candidate(raw: str, base: str | None, secure_page: bool) -> tuple[str | None, str | None]:
    """(url, None) or (None, why it is refused)."""
    url = absolutise(raw.replace(" ", "%20"), base)
    if not url or not url.lower().startswith(("http://", "https://")):
        return None, "no web address"
    if _looks_svg(url):
        return None, "SVG"
    if secure_page and url.lower().startswith("http://"):
        url = urlunsplit(urlsplit(url)._replace(scheme="https"))  # no clear-text request from an https page
    url = tracking.clean(url).split("#", 1)[0]
    why = tracking.tracker_image(url)
    if why:
        return None, f"a tracker ({why})"
    if _NOT_STORY.search(url):
        return None, "not part of the story"
    return url, None


def choose(attrs: Mapping[str, str], picture: Sequence[str] = (), base: str | None = None) -> ImageChoice:
    """The decision for an `<img>` with these attributes, inside a `<picture>`
    whose `<source>` srcsets are `picture`, on a page at `base`."""
    why = _size_refusal(attrs)
    if why:
        return ImageChoice(dropped=why)
    secure = bool(base) and urlsplit(base).scheme.lower() == "https"
    urls: list[str] = []
    refusals: list[str] = []
    for raw in dict.fromkeys(raw_sources(attrs, picture)):  # a srcset repeated in <source>s: judged once
        url, no = _candidate(raw, base, secure)
        if url is None:
            refusals.append(no or "")
        elif url not in urls:
            urls.append(url)
    if base:
        local = [same_site(u, base) for u in urls]
        urls = [u for u, here in zip(urls, local) if here] + [u for u, here in zip(urls, local) if not here]
    if not urls:
        return ImageChoice(dropped=refusals[0] if refusals else "no source")
    return ImageChoice(tuple(urls[:MAX_CANDIDATES]))


def choose_url(url: str | None, base: str | None) -> ImageChoice:
    """The decision for an image known only by its URL (og:image)."""
    return choose({"src": url or ""}, (), base)


def decided(attrs: Mapping[str, str], choice: ImageChoice) -> dict[str, str]:
    """The attributes that carry `choice` (source attributes replaced by `src`
    and the fallback list); `choose` on them gives `choice` again."""
    out = {k: v for k, v in attrs.items() if k not in SOURCE_ATTRS}
    if choice.url:
        out["src"] = choice.urls[0]
        if len(choice.urls) > 1:
            out[FALLBACK_ATTR] = " ".join(choice.urls[1:])
    return out
