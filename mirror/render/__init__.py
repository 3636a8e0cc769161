"""Offline HTML we write: the reader page of an article and a table of contents."""

from mirror.render.page import CSP, direction
from mirror.render.reader import data_uri, index_page, reader_page, render_article_page

__all__ = ["CSP", "data_uri", "direction", "index_page", "reader_page", "render_article_page"]
