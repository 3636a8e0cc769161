"""Turn an extracted article fragment into HTML that is safe to open offline.

Two passes: a BeautifulSoup pass that understands the page (which URL an
`<img>` really shows, which links to keep, what to drop with its content), and
then `nh3` as the last word with a strict allowlist, so that nothing the first
pass missed can survive. In the output, links are absolute, de-tracked and
`rel="noreferrer noopener"`; images point at `assets/<name>` (local blobs) or
are gone. Nothing refers to a remote resource.
"""

from __future__ import annotations

import hashlib
import re
from typing import Callable, Iterable

import nh3
from bs4 import BeautifulSoup, Tag

from mirror import assets, imageinfo
from mirror.imagerule import ImageChoice, choose, choose_url, decided
from mirror.model import Asset
from mirror.urls import clean_link

ALLOWED_TAGS = frozenset({
    "a", "abbr", "article", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code",
    "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
# Removed together with everything inside them.
DROP_WITH_CONTENT = frozenset({
    "script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet",
    "form", "button", "input", "select", "textarea", "option", "base", "meta", "link", "svg",
    "math", "template", "canvas", "video", "audio", "source", "track", "map", "area", "dialog",
    "head", "title", "portal", "fencedframe", "param", "picture",
})
ATTRIBUTES = {
    "*": {"lang", "dir", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "time": {"datetime"},
    "bdo": {"dir"},
}
LINK_REL = "noreferrer noopener"
ID_PREFIX = "m-"  # article ids cannot clash with (or clobber) anything of ours

ASSET_RE = assets.SRC_RE  # the one asset-name rule (mirror/assets.py)
_LANG_RE = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}$")
_NUMERIC = {"width", "height", "colspan", "rowspan", "span", "start", "value"}


# -- which images an article shows (the one rule: mirror.imagerule) -------------


def _picture_sources(img: Tag) -> list[str]:
    pic = img.find_parent("picture")
    if pic is None:
        return []
    return [str(s.get("srcset") or s.get("data-srcset") or "") for s in pic.find_all("source")]


def _attrs(img: Tag) -> dict[str, str]:
    return {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in img.attrs.items()}


def image_choice(img: Tag, base: str | None) -> ImageChoice:
    return choose(_attrs(img), _picture_sources(img), base)


def _decide(img: Tag, base: str | None) -> ImageChoice:
    """Apply the rule once and write the decision on `img` (or drop it)."""
    choice = image_choice(img, base)
    if choice.url:
        img.attrs = dict(decided(_attrs(img), choice))  # a copy typed as bs4's attrs
    return choice


def _parse(html: str) -> Tag:
    # html.parser knows that <source> is a void element (libxml2 nests the <img> in it).
    return BeautifulSoup(html, "html.parser")


def _noscript_imgs(ns: Tag) -> list[Tag]:
    """Images of a `<noscript>` fallback (parsed as markup or, by some parsers, as text)."""
    found = ns.find_all("img")
    return found if found else _parse(ns.decode_contents()).find_all("img")


def _images_of(root: Tag) -> list[Tag]:
    """Every `<img>`: visible ones first, then those only inside `<noscript>`."""
    imgs = [i for i in root.find_all("img") if i.find_parent("noscript") is None]
    for ns in root.find_all("noscript"):
        imgs.extend(_noscript_imgs(ns))
    return imgs


def article_images(html: str, base: str | None, extra: Iterable[str | None] = ()) -> list[ImageChoice]:
    """The images worth fetching for this article, in order, one decision each
    (its candidate URLs): never trackers, pixels, SVG or non-http."""
    out: list[ImageChoice] = []
    seen: set[str] = set()
    choices = [image_choice(img, base) for img in _images_of(_parse(html))]
    choices += [choose_url(e, base) for e in extra if e]
    for c in choices:
        if c.url and c.url not in seen:
            seen.add(c.url)
            out.append(c)
    return out


def make_asset(data: bytes, source_url: str = "") -> tuple[Asset, bytes] | None:
    """An asset named `<sha256[:16]>.<ext>` from the sniffed type, or None if
    the bytes are not an allowed raster image or are a pixel."""
    kind = imageinfo.sniff(data)
    if kind is None or imageinfo.is_pixel(data):
        return None
    sha = hashlib.sha256(data).hexdigest()
    return Asset(assets.name_for(sha, kind.ext), sha, kind.mime, len(data), source_url), data


# -- the cleaning itself ---------------------------------------------------------


def _prepass(html: str, base: str | None, images: dict[str, str]) -> str:
    root = _parse(html)
    # Decide every image once, while its <picture> is still around it.
    for img in root.find_all("img"):
        if img.find_parent("noscript") is None:
            _decide(img, base)
    # Resolve <noscript> image fallbacks: keep the image if nothing else shows it.
    shown = {image_choice(i, base).url for i in root.find_all("img") if i.find_parent("noscript") is None}
    for ns in root.find_all("noscript"):
        if ns.decomposed:
            continue
        keep = [i for i in _noscript_imgs(ns) if _decide(i, base).url not in shown]
        if keep:
            ns.replace_with(keep[0].extract())
            shown.add(image_choice(keep[0], base).url)
        else:
            ns.decompose()
    for pic in root.find_all("picture"):
        inner = pic.find("img")
        if inner is not None:
            pic.replace_with(inner.extract())
    for tag in root.find_all(list(DROP_WITH_CONTENT)):
        if not tag.decomposed:
            tag.decompose()
    for img in root.find_all("img"):
        url = image_choice(img, base).url
        name = images.get(url) if url else None
        if not name:
            img.decompose()
            continue
        kept = {k: v for k in ("alt", "width", "height", "title") if (v := img.get(k)) is not None}
        img.attrs = {"src": f"assets/{name}", **kept}
    for a in root.find_all("a"):
        href = a.get("href")
        a.attrs = {k: v for k, v in a.attrs.items() if k in ("title", "lang", "dir")}
        if isinstance(href, str):
            link = clean_link(href, base)
            if link is not None:
                a["href"] = "#" + ID_PREFIX + link[1:] if link.startswith("#") else link
    return root.decode_contents()


def _filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "src":
        return value if tag == "img" and ASSET_RE.match(value) else None
    if attr == "href":
        v = value.strip()
        ok = v.startswith(("http://", "https://", "mailto:", "#" + ID_PREFIX))
        return v if ok else None
    if attr == "dir":
        return value.lower() if value.lower() in ("ltr", "rtl", "auto") else None
    if attr == "lang":
        return value if _LANG_RE.match(value) else None
    if attr in _NUMERIC:
        return value if value.isdigit() and len(value) <= 5 else None
    if attr == "type":
        return value if value in ("1", "a", "A", "i", "I") else None
    if attr == "scope":
        return value if value in ("row", "col", "rowgroup", "colgroup") else None
    return value


def _nh3(html: str, attribute_filter: Callable[[str, str, str], str | None],
         id_prefix: str | None = ID_PREFIX) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes={"http", "https", "mailto"},
        id_prefix=id_prefix,
    )


def sanitize(html: str, base: str | None, images: dict[str, str] | None = None) -> str:
    """Clean an article fragment. `images` maps an absolute image URL to the
    name of its stored asset; every other image is dropped."""
    return _nh3(_prepass(html, base, images or {}), _filter).strip()


def render_clean(html: str, image_src: Callable[[str], str | None]) -> str:
    """Re-check stored article HTML (it may come from someone else's bundle) and
    point each `assets/<name>` image at `image_src(name)`. Images without a
    replacement are removed; nothing else may name a resource."""

    def filt(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            m = ASSET_RE.match(value)
            return image_src(m.group(1)) if m else None
        if attr == "id":  # stored ids were prefixed when sanitised; others are foreign
            return value if value.startswith(ID_PREFIX) else None
        return _filter(tag, attr, value)

    root = _parse(html)
    for img in root.find_all("img"):  # no broken-image boxes for what cannot be shown
        m = ASSET_RE.match(str(img.get("src") or ""))
        if not m or image_src(m.group(1)) is None:
            img.decompose()
    return _nh3(root.decode_contents(), filt, id_prefix=None)
