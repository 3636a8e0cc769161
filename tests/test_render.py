"""Reader page and table of contents: structure, escaping, direction, images,
and (in Chromium) that a page built from hostile stored HTML stays inert."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from mirror.model import Asset, StoredVersion, Summary
from mirror.render import CSP, data_uri, direction, index_page, reader_page, render_article_page
from sitekit import open_pages, png

PHOTO = png(32, 24, (200, 10, 10))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1"><script>alert(1)</script></svg>'


def asset(data: bytes, ext: str, mime: str) -> Asset:
    sha = hashlib.sha256(data).hexdigest()
    return Asset(f"{sha[:16]}.{ext}", sha, mime, len(data))


PHOTO_A = asset(PHOTO, "png", "image/png")
SVG_A = asset(SVG, "png", "image/png")  # a hostile bundle lying about a blob's type
BLOBS = {PHOTO_A.sha256: PHOTO, SVG_A.sha256: SVG}


def stored(html: str, **kw) -> StoredVersion:
    base = dict(id="0123456789abcdef", version=1, url="https://news.example/a?id=1", title="Title",
                byline="Jane Roe", published="2024-05-01T09:30:00+00:00", modified=None, lang="en",
                site_name="Daily", lead_image=None, text="t", html=html, captured="2024-05-02T10:11:12Z",
                content_hash="0" * 64, assets=[PHOTO_A, SVG_A], versions=1)
    base.update(kw)
    return StoredVersion(**base)


def test_head_starts_with_charset_then_csp_then_referrer():
    page = reader_page(stored("<p>x</p>"), BLOBS.__getitem__)
    head = re.search(r"<head>\s*(.*?)</head>", page, re.S).group(1).splitlines()
    assert head[:3] == ['<meta charset="utf-8">', f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
                        '<meta name="referrer" content="no-referrer">']
    assert "<script" not in page.lower()


@pytest.mark.parametrize("lang, expected", [
    ("ar", "rtl"), ("he", "rtl"), ("fa-IR", "rtl"), ("ur", "rtl"), ("yi", "rtl"), ("ps", "rtl"),
    ("az-Arab", "rtl"), ("en", "ltr"), ("ru", "ltr"), ("zh-Hant-TW", "ltr"), (None, "ltr"), ("x\" onload=", "ltr"),
])
def test_direction(lang, expected):
    assert direction(lang) == expected


def test_metadata_is_escaped_and_lang_is_validated():
    art = stored("<p>x</p>", title="</title><script>alert(1)</script>", byline="<b onmouseover=x>Eve</b>",
                 lang='en" onload="alert(1)', url="https://news.example/?q=<script>")
    page = reader_page(art, BLOBS.__getitem__)
    assert "<script" not in page and "<b onmouseover" not in page
    assert "&lt;/title&gt;&lt;script&gt;" in page and 'onload="alert' not in page
    assert '<html dir="auto">' in page
    assert 'Source: <bdi dir="ltr"><code>https://news.example/?q=&lt;script&gt;</code></bdi>' in page


def test_images_inlined_from_blobs_and_disguised_svg_dropped():
    html = (f'<figure><img src="assets/{PHOTO_A.name}" alt="p"><figcaption>cap</figcaption></figure>'
            f'<img src="assets/{SVG_A.name}" alt="s"><img src="assets/ffffffffffffffff.png" alt="unknown">')
    page = reader_page(stored(html), BLOBS.__getitem__)
    assert f'src="data:image/png;base64,{base64.b64encode(PHOTO).decode()}"' in page
    assert "PHN2Zy" not in page and SVG_A.name not in page and "ffffffffffffffff" not in page
    assert page.count("src=") == 1 and "<figcaption>cap</figcaption>" in page


def test_render_with_other_image_references_for_a_site():
    html = f'<p>x</p><img src="assets/{PHOTO_A.name}" alt="p">'
    page = render_article_page(stored(html), lambda a: f"assets/{a.name}" if a.mime == "image/png" else None)
    assert re.search(rf'<img (?:alt="p" )?src="assets/{PHOTO_A.name}"(?: alt="p")?>', page)


def test_lead_image_shown_once():
    art = stored("<p>body</p>", lead_image=f"assets/{PHOTO_A.name}")
    assert reader_page(art, BLOBS.__getitem__).count("<img") == 1
    art = stored(f'<p>body</p><img src="assets/{PHOTO_A.name}">', lead_image=f"assets/{PHOTO_A.name}")
    assert reader_page(art, BLOBS.__getitem__).count("<img") == 1
    assert reader_page(stored("<p>b</p>", lead_image="https://t.example/x.png"), BLOBS.__getitem__).count("<img") == 0


def test_data_uri_sniffs():
    assert data_uri(PHOTO).startswith("data:image/png;base64,")
    assert data_uri(SVG) is None and data_uri(b"<html>") is None


def test_index_page():
    items = [Summary(id="a" * 16, url="https://n.example/1", title="First <one>", byline="Jane",
                     published="2024-05-01", lang="en", site_name="Daily", captured="2024-05-02T00:00:00Z",
                     versions=1),
             Summary(id="b" * 16, url="https://n.example/2", lang="he", captured="2024-05-03T00:00:00Z",
                     versions=2)]
    page = index_page(items, lambda s: f"articles/{s.id}/index.html", title="Bundle")
    assert f'content="{CSP}"' in page and "<script" not in page
    assert '<a href="articles/aaaaaaaaaaaaaaaa/index.html">First &lt;one&gt;</a>' in page
    assert ('<li lang="he" dir="rtl"><a href="articles/bbbbbbbbbbbbbbbb/index.html">https://n.example/2</a>'
            '<span class="meta" lang="en" dir="ltr">') in page


@pytest.mark.browser
def test_pages_from_hostile_stored_html_are_inert_in_chromium(tmp_path):
    """Stored HTML may come from someone else's bundle: render must clean it again."""
    hostile = (f'<p onclick="window.__pwned=1">text</p><script>window.__pwned=2;alert(1)</script>'
               '<img src="x" onerror="window.__pwned=3"><iframe src="https://ads.example/"></iframe>'
               '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
               '<link rel="prefetch" href="https://evil.example/p"><img src="https://t.example/p.gif">'
               '<a href="javascript:window.__pwned=4">x</a><svg><image href="https://t.example/s.png"/></svg>'
               f'<figure><img src="assets/{PHOTO_A.name}" alt="ok"><figcaption>fine</figcaption></figure>'
               '<p style="background:url(https://t.example/bg.png)">styled</p><form action="https://t.example/"></form>')
    reader = tmp_path / "reader.html"
    reader.write_text(reader_page(stored(hostile, lang="he"), BLOBS.__getitem__), encoding="utf-8")
    index = tmp_path / "index.html"
    index.write_text(index_page([Summary(id="a" * 16, url="https://n.example/1", title="One", lang="en",
                                         captured="2024-05-02", versions=1)], lambda s: "reader.html"), encoding="utf-8")
    rep_reader, rep_index = open_pages([reader, index])
    for rep in (rep_reader, rep_index):
        assert rep.requests == [] and rep.dialogs == []
        assert not any("PAGE SCRIPT RAN" in c for c in rep.console), rep.console
    assert rep_reader.images_total == 1 and rep_reader.images_loaded == 1
    assert rep_reader.dir == "rtl" and "fine" in rep_reader.text
    assert rep_index.title == "Articles" and "One" in rep_index.text
