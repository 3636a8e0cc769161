"""Image sources: lazy-loading attributes, srcset, <picture>, <noscript>.

Every kept `<img>` ends with one absolute URL in `src`; pixels, icons,
avatars and ad images are dropped because they are not part of the story.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from mirror.urls import parse_srcset

_LAZY_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url",
               "data-hi-res-src", "data-full-src", "data-image", "data-img-src",
               "data-echo", "data-actualsrc", "data-original-src", "data-large-src")
_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "srcset")
_PLACEHOLDER = re.compile(r"^data:|blank\.(?:gif|png)|spacer|pixel\.|1x1|transparent\.(?:gif|png)|"
                          r"placeholder|lazy[-_.]|loading\.(?:gif|svg)|grey\.gif|empty\.", re.I)
_JUNK = re.compile(r"pixel|tracking|beacon|spacer|1x1|avatar|gravatar|icon|logo|sprite|badge|"
                   r"emoji|/ads?/|doubleclick|adserver|feeds\.feedburner|facebook\.com/tr|"
                   r"analytics|scorecardresearch|/b\.gif|counter", re.I)
_JUNK_CLASS = re.compile(r"avatar|icon|logo|emoji|author|profile|sprite|badge|ad-|tracking", re.I)


def _real(src: str | None) -> str | None:
    if not src:
        return None
    src = src.strip()
    if not src or _PLACEHOLDER.search(src[:200]):
        return None
    return src


def best_src(img) -> str | None:
    """The most faithful URL for an <img> (lazy attributes win over placeholders)."""
    for a in _LAZY_ATTRS:
        v = _real(img.get(a))
        if v:
            return v
    for a in _SRCSET_ATTRS:
        v = img.get(a)
        if v:
            u = _real(parse_srcset(v))
            if u:
                return u
    src = _real(img.get("src"))
    if src:
        return src
    # <picture><source srcset><img></picture>; the HTML parser may also nest
    # the img inside the (void) <source>.
    picture = None
    for anc in img.iterancestors():
        if anc.tag == "picture":
            picture = anc
            break
        if anc.tag not in ("source", "span", "div"):
            break
    if picture is not None:
        for source in picture.iter("source"):
            v = source.get("srcset") or source.get("data-srcset")
            if v:
                u = _real(parse_srcset(v))
                if u:
                    return u
    return None


def _dim(v: str | None) -> int | None:
    if not v:
        return None
    m = re.match(r"\s*(\d+)", v)
    return int(m.group(1)) if m else None


def is_junk(img, src: str) -> bool:
    """Tracking pixels, icons, avatars and ads."""
    w, h = _dim(img.get("width")), _dim(img.get("height"))
    if (w is not None and w < 50) or (h is not None and h < 50):
        return True
    if _JUNK.search(src):
        return True
    cls = f"{img.get('class') or ''} {img.get('id') or ''}"
    return bool(cls.strip()) and bool(_JUNK_CLASS.search(cls))


def resolve_image(img, base: str | None) -> str | None:
    """Set an absolute `src` on img; return it, or None if the image should go."""
    src = best_src(img)
    if not src:
        return None
    if base:
        try:
            src = urljoin(base, src)
        except ValueError:
            return None
    if src.startswith("//"):
        src = "https:" + src
    if not src.startswith(("http://", "https://")) and base:
        return None
    if is_junk(img, src):
        return None
    return src
