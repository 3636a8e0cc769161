"""The offline reader page of one article.

Stored article HTML is cleaned again here (it may come from someone else's
bundle), and its `assets/<name>` images are pointed wherever the caller says:
`data:` URIs for a single self-contained file, or relative paths for a site
whose pages are checked elsewhere.
"""

from __future__ import annotations

from typing import Callable, Iterable

from mirror.model import Asset, StoredVersion, Summary
from mirror.render.datauri import data_uri
from mirror.render.i18n import Labels, labels, ui_lang
from mirror.render.nav import Nav, pager
from mirror.render.page import clean_lang, esc, page
from mirror.sanitize import ASSET_RE, render_clean


def _time(iso: str, L: Labels) -> str:
    """A date in the words of `L`, isolated so that it keeps its order in a
    page of the other direction."""
    return f'<time datetime="{esc(iso)}"><bdi>{esc(L.date(iso))}</bdi></time>'


def chrome_attrs(L: Labels, page_lang: str | None) -> str:
    """`lang`/`dir` for an element of labels when they are not in the page's
    language (a German article gets English labels, a Hebrew one English
    labels laid out left to right)."""
    return "" if ui_lang(page_lang) == L.lang and clean_lang(page_lang) else L.attrs()


def _header(art: StoredVersion, L: Labels) -> str:
    own = chrome_attrs(L, art.lang)
    lines = ['<header class="meta">']
    if art.site_name:
        lines.append(f'<p class="site">{esc(art.site_name)}</p>')
    lines.append(f'<h1>{esc(art.title or art.url)}</h1>')
    if art.byline:
        lines.append(f'<p class="byline">{esc(art.byline)}</p>')
    if art.published:
        dates = [L.markup("Published {date}", date=_time(art.published, L))]
    else:  # said, not left out: a reader must not take the capture date for it
        unknown = L._("Publication date unknown")
        dates = [f'<span class="unknown">{esc(unknown)}</span>']
    if art.modified and art.modified != art.published:
        dates.append(L.markup("updated {date}", date=_time(art.modified, L)))
    lines.append(f'<p class="dates"{own}>{" · ".join(dates)}</p>')
    # Plain text, not a link: a click on an archived page must not reach the outlet.
    source = L._("Source:")
    lines.append(f'<p class="source"{own}>{esc(source)} <bdi dir="ltr"><code>{esc(art.url)}</code></bdi></p>')
    lines.append("</header>")
    return "\n".join(lines)


def render_article_page(art: StoredVersion, image_src: Callable[[Asset], str | None],
                        nav: Nav | None = None) -> str:
    """The full reader page; `image_src(asset)` gives each image's `src`
    (None drops the image); `nav` adds the links around a site."""
    return page(art.title or art.url, article_html(art, image_src, nav), art.lang)


def article_html(art: StoredVersion, image_src: Callable[[Asset], str | None],
                 nav: Nav | None = None) -> str:
    """The page's content without the document around it (an e-book
    chapter is this in its own document)."""
    L = labels(art.lang)
    by_name = {a.name: a for a in art.assets}
    cache: dict[str, str | None] = {}

    def src(name: str) -> str | None:
        if name not in cache:
            asset = by_name.get(name)
            cache[name] = image_src(asset) if asset is not None else None
        return cache[name]

    body = render_clean(art.html, src)
    parts = [pager(nav, L, "top"), "<article>", _header(art, L)]
    m = ASSET_RE.match(art.lead_image or "")
    if m and f'"assets/{m.group(1)}"' not in art.html and src(m.group(1)):
        lead = render_clean(f'<figure><img src="assets/{m.group(1)}" alt=""></figure>', src)
        parts.append(lead)
    parts.append(f'<div class="body">\n{body}\n</div>')
    when = _time(art.captured[:10], L)
    if art.versions > 1:  # an archive's own page (show); bundles say it on their versions page
        captured = L.markup("Archived copy, captured {date}, version {n} of {total}.", date=when,
                            n=str(art.version), total=str(art.versions))
    else:
        captured = L.markup("Archived copy, captured {date}.", date=when)
    parts.append(f'<footer class="archived"{chrome_attrs(L, art.lang)}>{captured}</footer>')
    parts.append("</article>")
    parts.append(pager(nav, L, "bottom"))
    return "\n".join(p for p in parts if p)


def reader_page(art: StoredVersion, read_blob: Callable[[str], bytes]) -> str:
    """One self-contained HTML file: every image inlined as a `data:` URI."""
    return render_article_page(art, lambda a: data_uri(read_blob(a.sha256)))
