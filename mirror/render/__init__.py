"""Offline HTML we write: the reader page of an article, a table of contents,
the versions page, in the reader's language (`i18n`).

The names below are imported when first asked for: a command that needs only
the links (`nav`) or a cached page's images (`datauri`) does not load the
reader's HTML parser (bs4 and the CSS selector compiler it loads cost a warm
export of 1,000 articles a fifth of its time)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mirror.render.datauri import data_uri
    from mirror.render.index import index_page
    from mirror.render.nav import Link, Nav
    from mirror.render.page import CSP, direction
    from mirror.render.reader import reader_page, render_article_page

_HOME = {"CSP": "page", "Link": "nav", "Nav": "nav", "data_uri": "datauri", "direction": "page",
         "index_page": "index", "reader_page": "reader", "render_article_page": "reader"}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = ["CSP", "Link", "Nav", "data_uri", "direction", "index_page", "reader_page", "render_article_page"]
