"""JSON-LD (schema.org) article metadata: arrays, @graph, nested
mainEntity, @id references, and the hand-written mistakes pages make."""

from __future__ import annotations

import json
import re
from typing import Any, TypeAlias

from lxml import etree

from mirror import jsonsafe
from mirror.extract.dates import to_iso
from mirror.extract.fields import Metadata, clean_ws

_ARTICLE_TYPE = re.compile(r"(Article|BlogPosting|Posting|Report|Story|Review)$", re.I)

JSON: TypeAlias = Any  # a parsed JSON value, whatever shape the page wrote
Node: TypeAlias = dict[str, JSON]  # one JSON-LD object


def _load_json(text: str) -> JSON:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    try:
        return jsonsafe.loads(text, strict=False)
    except jsonsafe.TooDeep:
        return None
    except ValueError:
        # Trailing commas are a frequent hand-written mistake.
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)
        except ValueError:
            return None


def _nodes(data: JSON) -> list[Node]:
    """Every object in a JSON-LD document: arrays, @graph and nested mainEntity."""
    out: list[Node] = []
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


def _types(node: Node) -> list[str]:
    t = node.get("@type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def _text(v: JSON) -> str | None:
    if isinstance(v, str):
        return clean_ws(v) or None
    if isinstance(v, dict):
        return _text(v.get("name") or v.get("@value"))
    if isinstance(v, list) and v:
        return _text(v[0])
    return None


def _names(v: JSON, index: dict[str, Node]) -> list[str]:
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


def _image_url(v: JSON) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return _image_url(v.get("url") or v.get("contentUrl"))
    if isinstance(v, list) and v:
        return _image_url(v[0])
    return None


def read_jsonld(root: etree._Element, md: Metadata) -> None:
    """Fill md from the page's JSON-LD article (first article-typed node)."""
    nodes: list[Node] = []
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
