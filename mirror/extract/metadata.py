"""Article metadata from the page head and markup.

Sources in order of trust: JSON-LD, OpenGraph / article:* / twitter:*, other
`<meta>` tags, `<time>` / microdata, then the visible page (h1, byline).
"""

from __future__ import annotations

import html
from urllib.parse import urljoin

from lxml import etree

from mirror.extract.byline import clean_byline, strip_byline_prefix, visible_byline
from mirror.extract.dates import to_iso
from mirror.extract.fields import Metadata, clean_ws
from mirror.extract.jsonld import read_jsonld
from mirror.extract.title import clean_title

__all__ = ["Metadata", "extract_metadata", "clean_title", "clean_byline", "strip_byline_prefix"]

# -- meta tags ---------------------------------------------------------------


def _meta_map(root: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "")
        key = key.strip().lower()
        content = m.get("content")
        if key and content and content.strip() and key not in out:
            out[key] = clean_ws(content)
    return out


def _first(meta: dict[str, str], *keys: str) -> str | None:
    for k in keys:
        if meta.get(k):
            return meta[k]
    return None


# -- visible page -------------------------------------------------------------

def _visible_time(root: etree._Element) -> tuple[str | None, str | None]:
    pub = mod = None
    for el in root.iter("time"):
        v = to_iso(el.get("datetime") or "".join(el.itertext()))
        if not v:
            continue
        ip = (el.get("itemprop") or "") + " " + (el.get("class") or "")
        if "modif" in ip or "updat" in ip:
            mod = mod or v
        elif pub is None:
            pub = v
    if pub is None:
        for el in root.iterfind(".//*[@itemprop='datePublished']"):
            pub = to_iso(el.get("content") or el.get("datetime") or "".join(el.itertext()))
            if pub:
                break
    return pub, mod

def extract_metadata(root: etree._Element, url: str | None) -> Metadata:
    """Metadata of one parsed page (lxml tree, before any cleaning)."""
    md = Metadata()
    read_jsonld(root, md)
    meta = _meta_map(root)
    head_title = None
    t = root.find(".//title")
    if t is not None:
        head_title = clean_ws("".join(t.itertext()))
    h1s = [clean_ws("".join(h.itertext())) for h in root.iter("h1")]
    h1s = [h for h in h1s if h]
    md.h1 = h1s[0] if h1s else None

    md.site_name = md.site_name or _first(meta, "og:site_name", "application-name",
                                          "twitter:app:name:iphone", "publisher")
    raw_title = md.title or _first(meta, "og:title", "twitter:title", "title", "headline") or head_title or md.h1
    if raw_title:
        md.title = clean_title(html.unescape(raw_title), md.site_name, h1s[:5], url)
    if md.site_name:
        md.site_name = html.unescape(md.site_name)

    if not md.authors:
        a = _first(meta, "author", "article:author", "byl", "dc.creator", "sailthru.author",
                   "parsely-author", "twitter:creator")
        if a and not a.startswith(("http://", "https://", "@")):
            md.authors = [strip_byline_prefix(a)]
    if not md.authors:
        md.authors = visible_byline(root)
    if md.authors:
        names = [n for n in (clean_byline(a) for a in md.authors) if n]
        md.byline = ", ".join(dict.fromkeys(names)) or None

    md.published = md.published or to_iso(_first(
        meta, "article:published_time", "og:published_time", "datepublished", "date",
        "pubdate", "publishdate", "publish-date", "dc.date.issued", "dc.date", "dcterms.created",
        "parsely-pub-date", "sailthru.date", "article.published", "published_time",
        "og:article:published_time", "release_date"))
    md.modified = md.modified or to_iso(_first(
        meta, "article:modified_time", "og:updated_time", "datemodified", "last-modified",
        "dcterms.modified", "article.updated", "modified_time"))
    if not md.published or not md.modified:
        p, m = _visible_time(root)
        md.published = md.published or p
        md.modified = md.modified or m

    html_el = root if root.tag == "html" else root.find(".//html")
    lang = None
    if html_el is not None:
        lang = html_el.get("lang") or html_el.get("xml:lang") or html_el.get("{http://www.w3.org/XML/1998/namespace}lang")
    lang = lang or md.lang or _first(meta, "content-language", "og:locale", "language", "dc.language")
    if lang:
        lang = lang.strip().replace("_", "-").split(",")[0].strip()
        md.lang = lang or None
        if md.lang and "-" in md.lang:
            a, b = md.lang.split("-", 1)
            md.lang = f"{a.lower()}-{b.upper()}" if len(b) == 2 else md.lang
        elif md.lang:
            md.lang = md.lang.lower()

    for link in root.iter("link"):
        href = link.get("href")
        if (link.get("rel") or "").lower() == "canonical" and href:
            href = href.strip()
            canonical = urljoin(url, href) if url else href
            if canonical.startswith(("http://", "https://")):
                md.canonical = canonical
            break
    og_url = _first(meta, "og:url")
    if not md.canonical and og_url and og_url.startswith(("http://", "https://")):
        md.canonical = og_url
    # Without the page's address, its own canonical URL is the best base.
    base = url or md.canonical
    img = md.lead_image or _first(meta, "og:image", "og:image:url", "og:image:secure_url",
                                  "twitter:image", "twitter:image:src", "thumbnailurl")
    if img and not img.startswith("data:"):
        md.lead_image = urljoin(base, img) if base else img
    else:
        md.lead_image = None
    md.description = md.description or _first(meta, "description", "og:description",
                                              "twitter:description")
    return md
