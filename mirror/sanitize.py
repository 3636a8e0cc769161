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
from mirror.model import Asset
from mirror.urls import absolutise, clean_link, parse_srcset

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
_LAZY_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-url", "data-lazy", "data-hi-res-src")
_SRCSET_ATTRS = ("srcset", "data-srcset", "data-lazy-srcset")


# -- which images an article shows --------------------------------------------


def _usable(url: str | None) -> bool:
    return bool(url) and not url.strip().lower().startswith(("data:", "blob:", "about:"))


def image_url(img: Tag, base: str | None) -> str | None:
    """The absolute http(s) URL an `<img>` shows once lazy loading has run:
    a real `src`, else a lazy `data-*` attribute, else the best srcset entry
    (of the `<img>` or of a surrounding `<picture>`)."""
    candidates: list[str | None] = [img.get("src")]
    candidates += [img.get(a) for a in _LAZY_ATTRS]
    candidates += [parse_srcset(img.get(a) or "") for a in _SRCSET_ATTRS]
    pic = img.find_parent("picture")
    if pic is not None:
        for source in pic.find_all("source"):
            candidates.append(parse_srcset(source.get("srcset") or source.get("data-srcset") or ""))
    for c in candidates:
        if isinstance(c, str) and _usable(c):
            url = absolutise(c, base)
            if url and url.startswith(("http://", "https://")):
                return url
    return None


def declared_pixel(img: Tag) -> bool:
    """Declared 0/1-pixel size: a tracker or spacer, not worth a request."""
    for attr in ("width", "height"):
        v = str(img.get(attr) or "").strip().lower().removesuffix("px").strip()
        if v in ("0", "1"):
            return True
    style = str(img.get("style") or "").replace(" ", "").lower()
    return bool(re.search(r"(?:^|;)(?:width|height):[01](?:px)?(?:;|$)", style))


def _looks_svg(url: str) -> bool:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return path.endswith((".svg", ".svgz"))


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


def article_images(html: str, base: str | None, extra: Iterable[str | None] = ()) -> list[str]:
    """Ordered, de-duplicated image URLs worth fetching for this article:
    never pixels, never SVG, never non-http."""
    out: list[str] = []
    seen: set[str] = set()
    root = _parse(html)
    for img in _images_of(root):
        if declared_pixel(img):
            continue
        url = image_url(img, base)
        if url and url not in seen and not _looks_svg(url):
            seen.add(url)
            out.append(url)
    for e in extra:
        url = absolutise(e, base) if e else None
        if url and url.startswith(("http://", "https://")) and url not in seen and not _looks_svg(url):
            seen.add(url)
            out.append(url)
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
    # Resolve <noscript> image fallbacks first: keep the image if nothing else shows it.
    shown = {image_url(i, base) for i in root.find_all("img") if i.find_parent("noscript") is None}
    for ns in root.find_all("noscript"):
        if ns.decomposed:
            continue
        keep = [i for i in _noscript_imgs(ns) if image_url(i, base) not in shown]
        if keep:
            ns.replace_with(keep[0].extract())
            shown.add(image_url(keep[0], base))
        else:
            ns.decompose()
    for pic in root.find_all("picture"):
        img = pic.find("img")
        if img is None:
            continue
        url = image_url(img, base)
        pic.replace_with(img.extract())
        if url:
            img["src"] = url
    for tag in root.find_all(list(DROP_WITH_CONTENT)):
        if not tag.decomposed:
            tag.decompose()
    for img in root.find_all("img"):
        url = None if declared_pixel(img) else image_url(img, base)
        name = images.get(url) if url else None
        if not name:
            img.decompose()
            continue
        keep = {k: img.get(k) for k in ("alt", "width", "height", "title") if img.get(k) is not None}
        img.attrs = {"src": f"assets/{name}", **keep}
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
