"""The way around a site of pages: back to the index, previous and next in
the index's order, and the versions page. Plain links, no script: they work
in export-site folders and unzipped age bundles; the self-decrypting page
removes them (its frames cannot navigate) and shows its own."""

from __future__ import annotations

from dataclasses import dataclass

from mirror.render.i18n import Labels
from mirror.render.page import clean_lang, direction, esc


@dataclass(frozen=True)
class Link:
    href: str
    title: str
    lang: str | None = None  # of the title (another article's language)


@dataclass(frozen=True)
class Nav:
    """Where a page's links lead; None leaves a link out."""

    index: str | None = None
    prev: Link | None = None
    next: Link | None = None
    related: Link | None = None  # the versions page, or from it back to the article; title: what the link says


def _title(link: Link) -> str:
    code = clean_lang(link.lang)
    attrs = f' lang="{esc(code)}" dir="{direction(code)}"' if code else ' dir="auto"'
    return f'<span class="t"{attrs}>{esc(link.title)}</span>'


def pager(nav: Nav | None, L: Labels, where: str) -> str:
    """The links as a `<nav class="pager">` (empty string when there are none):
    at the "top" the index and the versions page, at the "bottom" previous,
    next and the index again.
    Arrows follow the page's direction: "previous" points back, which is right
    in a right-to-left page."""
    if nav is None:
        return ""
    back, fwd = ("→", "←") if L.dir == "rtl" else ("←", "→")
    words = {"up": L._("All articles"), "prev": L._("Previous"), "next": L._("Next"), "nav": L._("Navigation")}
    items = []
    if nav.index:
        items.append(f'<a class="up" href="{esc(nav.index)}">{esc(words["up"])}</a>')
    if nav.related and where == "top":
        items.append(f'<a class="related" href="{esc(nav.related.href)}">{esc(nav.related.title)}</a>')
    if nav.prev and where == "bottom":
        items.append(f'<a class="prev" rel="prev" href="{esc(nav.prev.href)}"><span class="k">{back} '
                     f'{esc(words["prev"])}</span>{_title(nav.prev)}</a>')
    if nav.next and where == "bottom":
        items.append(f'<a class="next" rel="next" href="{esc(nav.next.href)}"><span class="k">'
                     f'{esc(words["next"])} {fwd}</span>{_title(nav.next)}</a>')
    if not items:
        return ""
    label = esc(words["nav"])
    return f'<nav class="pager {where}"{L.attrs()} aria-label="{label}">' + "".join(items) + "</nav>"
