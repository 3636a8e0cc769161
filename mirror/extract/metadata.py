"""Article metadata from the page head and markup.

Sources in order of trust: JSON-LD, OpenGraph / article:* / twitter:*, other
`<meta>` tags, `<time>` / microdata, then the visible page (h1, byline).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from mirror.extract.dates import _MONTHS, to_iso

_WS = re.compile(r"\s+")
_ARTICLE_TYPE = re.compile(r"(Article|BlogPosting|Posting|Report|Story|Review)$", re.I)
_TITLE_SEPS = re.compile(r"\s+(?:\||-|–|—|·|•|::|»|«|/|:)\s+")
_BYLINE_PREFIX = re.compile(
    r"^\s*(?:by|written by|words by|por|von|di|de|par|oleh|door|av|af|автор(?:ы)?:?|"
    r"текст:?|от|posted by|reported by|story by)\s+", re.I)
_BYLINE_CLASS = re.compile(r"byline|author|autor|avtor|writer|article-by|credits?-name", re.I)
_BYLINE_BAD = re.compile(r"bio|avatar|image|photo|img|desc|about|more|follow|social|share|"
                         r"comment|related|box", re.I)


def clean_ws(s: str | None) -> str:
    return _WS.sub(" ", s or "").strip()


@dataclass
class Metadata:
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    modified: str | None = None
    lang: str | None = None
    site_name: str | None = None
    lead_image: str | None = None
    description: str | None = None
    canonical: str | None = None
    article_body: str | None = None  # JSON-LD articleBody, a hint for body detection
    h1: str | None = None
    authors: list[str] = field(default_factory=list)


# -- JSON-LD ---------------------------------------------------------------


def _load_json(text: str):
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        # Trailing commas are a frequent hand-written mistake.
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)
        except ValueError:
            return None


def _nodes(data) -> list[dict]:
    """Every object in a JSON-LD document: arrays, @graph and nested mainEntity."""
    out: list[dict] = []
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(reversed(x))
        elif isinstance(x, dict):
            out.append(x)
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                v = x.get(key)
                if isinstance(v, (list, dict)):
                    stack.append(v)
    return out


def _types(node: dict) -> list[str]:
    t = node.get("@type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def _text(v) -> str | None:
    if isinstance(v, str):
        return clean_ws(v) or None
    if isinstance(v, dict):
        return _text(v.get("name") or v.get("@value"))
    if isinstance(v, list) and v:
        return _text(v[0])
    return None


def _names(v, index: dict[str, dict]) -> list[str]:
    """Author names from a JSON-LD author value (string, object, @id ref, list)."""
    if isinstance(v, list):
        out: list[str] = []
        for x in v:
            out.extend(_names(x, index))
        return out
    if isinstance(v, dict):
        if "name" not in v and isinstance(v.get("@id"), str) and v["@id"] in index:
            v = index[v["@id"]]
        n = _text(v.get("name"))
        return [n] if n else []
    if isinstance(v, str):
        s = clean_ws(v)
        if s and not s.startswith(("http://", "https://", "/")):
            return [s]
    return []


def _image_url(v) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return _image_url(v.get("url") or v.get("contentUrl"))
    if isinstance(v, list) and v:
        return _image_url(v[0])
    return None


def _from_jsonld(root, md: Metadata) -> None:
    nodes: list[dict] = []
    for s in root.iter("script"):
        if (s.get("type") or "").strip().lower() != "application/ld+json":
            continue
        data = _load_json(s.text or "")
        if data is not None:
            nodes.extend(_nodes(data))
    if not nodes:
        return
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    article = None
    for n in nodes:
        if any(_ARTICLE_TYPE.search(t) for t in _types(n)):
            article = n
            break
    for n in nodes:
        if "WebSite" in _types(n) and not md.site_name:
            md.site_name = _text(n.get("name"))
    if article is None:
        return
    md.title = md.title or _text(article.get("headline")) or _text(article.get("name"))
    names = _names(article.get("author") or article.get("creator"), index)
    if names:
        md.authors = list(dict.fromkeys(names))
    md.published = md.published or to_iso(_text(article.get("datePublished"))
                                          or _text(article.get("dateCreated")))
    md.modified = md.modified or to_iso(_text(article.get("dateModified")))
    md.lang = md.lang or _text(article.get("inLanguage"))
    pub = article.get("publisher")
    if isinstance(pub, dict) and "name" not in pub and pub.get("@id") in index:
        pub = index[pub["@id"]]
    md.site_name = _text(pub) if isinstance(pub, (dict, list)) and _text(pub) else md.site_name
    md.lead_image = md.lead_image or _image_url(article.get("image") or article.get("thumbnailUrl"))
    md.description = md.description or _text(article.get("description"))
    body = article.get("articleBody")
    if isinstance(body, str) and body.strip():
        md.article_body = body


# -- meta tags ---------------------------------------------------------------


def _meta_map(root) -> dict[str, str]:
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


def strip_byline_prefix(s: str) -> str:
    s = clean_ws(s)
    s = _BYLINE_PREFIX.sub("", s)
    return s.strip(" ,|·-–—:")


_MONTH_WORDS = (r"January|February|March|April|May|June|July|August|September|October|November|"
                r"December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.|Monday|Tuesday|Wednesday|"
                r"Thursday|Friday|Saturday|Sunday")
# Where a byline stops and a date, a time or "updated" starts.
_BYLINE_END = re.compile(
    r"(?:(?<=[a-z])(?=(?:" + _MONTH_WORDS + r")\b)|\s*(?:[,|·•–—-]\s*)?\b(?:" + _MONTH_WORDS
    + r")\s+\d|\s*(?:[,|·•–—-]\s*)?\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\s*(?:[,|·•–—-]\s*)?\d{1,2}\.?\s+(?:de\s+)?(?:"
    + _MONTH_WORDS + "|" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b|\s*(?:[,|·•–—-]\s*)?\d+\s+(?:min|minutes?|hours?|hrs?|days?|weeks?)\s+ago|"
    r"\s*(?:[,|·•–—-]\s*)?\b(?:updated|published|posted|last updated|atualizado|aktualisiert)\b)",
    re.I)


def clean_byline(s: str | None) -> str | None:
    """A byline without its "By", and without a date or time glued to it."""
    if not s:
        return None
    s = strip_byline_prefix(html.unescape(s))
    m = _BYLINE_END.search(s)
    if m and m.start() > 1:
        s = s[: m.start()]
    s = s.strip(" ,|·-–—:.")
    if not s or len(s) > 100 or s.startswith(("http://", "https://")):
        return None
    return s


def _visible_byline(root) -> list[str]:
    names: list[str] = []
    body = root.find("body")
    if body is None:
        return names
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        rel = el.get("rel") or ""
        itemprop = el.get("itemprop") or ""
        cls = f"{el.get('class') or ''} {el.get('id') or ''}"
        hit = rel == "author" or itemprop == "author" or (
            _BYLINE_CLASS.search(cls) and not _BYLINE_BAD.search(cls))
        if not hit or el.tag in ("meta", "link", "script", "style", "img", "body", "html"):
            continue
        if itemprop == "author":
            n = el.find(".//*[@itemprop='name']")
            if n is not None:
                txt = n.get("content") or "".join(n.itertext())
            else:
                txt = el.get("content") or "".join(el.itertext())
        else:
            txt = "".join(el.itertext())
        txt = clean_byline(txt) or ""
        if 2 <= len(txt) <= 80 and len(txt.split()) <= 10:
            names.append(txt)
            if len(names) >= 1:
                break
    return names


def _visible_time(root) -> tuple[str | None, str | None]:
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


def _site_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else (host or None)


def _site_matcher(site_name: str | None, url: str | None):
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


def extract_metadata(root, url: str | None) -> Metadata:
    """Metadata of one parsed page (lxml tree, before any cleaning)."""
    md = Metadata()
    _from_jsonld(root, md)
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
        md.authors = _visible_byline(root)
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
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            href = link.get("href").strip()
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
