"""Offline HTML we write: the reader page of an article, a table of contents,
the versions page, in the reader's language (`i18n`)."""

from mirror.render.index import index_page
from mirror.render.nav import Link, Nav
from mirror.render.page import CSP, direction
from mirror.render.reader import data_uri, reader_page, render_article_page

__all__ = ["CSP", "Link", "Nav", "data_uri", "direction", "index_page", "reader_page", "render_article_page"]
