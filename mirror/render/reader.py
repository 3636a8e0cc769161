"""The offline reader page of one article, and the table of contents.

Stored article HTML is cleaned again here (it may come from someone else's
bundle), and its `assets/<name>` images are pointed wherever the caller says:
`data:` URIs for a single self-contained file, or relative paths for a site
whose pages are checked elsewhere.
"""

from __future__ import annotations

import base64
from typing import Callable, Iterable

from mirror import imageinfo
from mirror.model import Asset, StoredVersion, Summary
from mirror.render.page import clean_lang, direction, esc, page
from mirror.sanitize import ASSET_RE, render_clean


def data_uri(data: bytes) -> str | None:
    """`data:` URI for an allowed raster image (type sniffed, not trusted)."""
    kind = imageinfo.sniff(data)
    if kind is None:
        return None
    return f"data:{kind.mime};base64,{base64.b64encode(data).decode('ascii')}"


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    return iso[:16].replace("T", " ") if len(iso) > 10 and iso[10] == "T" else iso[:10]


def _header(art: StoredVersion) -> str:
    lines = ['<header class="meta">']
    if art.site_name:
        lines.append(f'<p class="site">{esc(art.site_name)}</p>')
    lines.append(f'<h1>{esc(art.title or art.url)}</h1>')
    if art.byline:
        lines.append(f'<p class="byline">{esc(art.byline)}</p>')
    dates = []
    if art.published:
        dates.append(f'Published <time datetime="{esc(art.published)}">{esc(_when(art.published))}</time>')
    if art.modified and art.modified != art.published:
        dates.append(f'updated <time datetime="{esc(art.modified)}">{esc(_when(art.modified))}</time>')
    if dates:
        lines.append(f'<p class="dates">{" · ".join(dates)}</p>')
    # Plain text, not a link: a click on an archived page must not reach the outlet.
    lines.append(f'<p class="source">Source: <code dir="ltr">{esc(art.url)}</code></p>')
    lines.append("</header>")
    return "\n".join(lines)


def render_article_page(art: StoredVersion, image_src: Callable[[Asset], str | None]) -> str:
    """The full reader page; `image_src(asset)` gives each image's `src`
    (None drops the image)."""
    by_name = {a.name: a for a in art.assets}
    cache: dict[str, str | None] = {}

    def src(name: str) -> str | None:
        if name not in cache:
            asset = by_name.get(name)
            cache[name] = image_src(asset) if asset is not None else None
        return cache[name]

    body = render_clean(art.html, src)
    parts = ["<article>", _header(art)]
    m = ASSET_RE.match(art.lead_image or "")
    if m and f'"assets/{m.group(1)}"' not in art.html and src(m.group(1)):
        lead = render_clean(f'<figure><img src="assets/{m.group(1)}" alt=""></figure>', src)
        parts.append(lead)
    parts.append(f'<div class="body">\n{body}\n</div>')
    captured = esc((art.captured or "")[:10])
    parts.append(f'<footer class="archived">Archived copy, captured {captured}'
                 f'{f", version {art.version}" if art.versions > 1 else ""}.</footer>')
    parts.append("</article>")
    return page(art.title or art.url, "\n".join(parts), art.lang)


def reader_page(art: StoredVersion, read_blob: Callable[[str], bytes]) -> str:
    """One self-contained HTML file: every image inlined as a `data:` URI."""
    return render_article_page(art, lambda a: data_uri(read_blob(a.sha256)))


def index_page(summaries: Iterable[Summary], link: Callable[[Summary], str],
               title: str = "Articles") -> str:
    """A table of contents with the same CSP; `link(summary)` is each href."""
    items = []
    for s in summaries:
        code = clean_lang(s.lang)
        lang = f' lang="{esc(code)}" dir="{direction(code)}"' if code else ' dir="auto"'
        meta = " · ".join(esc(x) for x in (s.site_name, _when(s.published or s.captured), s.byline) if x)
        items.append(f'<li{lang}><a href="{esc(link(s))}">{esc(s.title or s.url)}</a>'
                     f'<span class="meta">{meta}</span></li>')
    body = f'<h1>{esc(title)}</h1>\n<ol class="toc">\n' + "\n".join(items) + "\n</ol>"
    return page(title, body, None)
