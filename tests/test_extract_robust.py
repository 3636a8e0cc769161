"""Whatever the input, extract() returns an article or raises ExtractionError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractkit import PARAGRAPHS
from mirror.errors import ExtractionError
from mirror.extract import extract

TAGS = ["p", "div", "span", "a", "article", "section", "ul", "li", "table", "tr", "td", "figure",
        "figcaption", "img", "br", "h1", "h2", "noscript", "picture", "source", "pre", "blockquote",
        "script", "style", "form", "nav", "aside", "header", "footer", "iframe", "svg", "time"]
ATTRS = ['class="share"', 'class="article-body"', 'id="comments"', 'hidden', 'style="display:none"',
         'itemprop="articleBody"', 'rel="author"', 'src="/x.jpg"', 'data-src="//cdn/x.jpg"',
         'srcset="a.jpg 1x, b.jpg 2x"', 'href="javascript:void(0)"', 'aria-hidden="true"', ""]

pieces = st.one_of(
    st.sampled_from(PARAGRAPHS),
    st.text(max_size=40),
    st.builds(lambda t, a: f"<{t} {a}>", st.sampled_from(TAGS), st.sampled_from(ATTRS)),
    st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
    st.sampled_from(["<!--", "-->", "<![CDATA[", "&amp;", "&#0;", "&bogus;", "\x00", "\ufeff",
                     '<script type="application/ld+json">{"@type": "NewsArticle", "author": [',
                     "<meta charset='koi8-r'>", "<?xml version='1.0' encoding='utf-16'?>"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pieces, max_size=40), st.booleans())
def test_extract_returns_or_raises_extraction_error(parts, as_bytes):
    html = "<html><body>" + "".join(parts)
    data = html.encode("utf-8", "surrogatepass") if as_bytes else html
    try:
        art = extract(data, "https://example.org/a/b")
    except ExtractionError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert art.text.strip()
    assert "<script" not in art.html and "javascript:" not in art.html
    for src in art.images:
        assert src.startswith(("http://", "https://"))
