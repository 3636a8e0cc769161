"""The one image rule (mirror.imagerule): one decision per image, shared by
extraction and sanitising; trackers dropped before any request, tracking
parameters removed before the fetch, no clear-text image from an https page,
and a failing best candidate falls back to the next."""

from __future__ import annotations

import json

import pytest

from conftest import run_mirror, json_lines
from mirror.config import FetchConfig
from mirror.extract import extract
from mirror.imagerule import choose, decided
from mirror.pipeline import build_version
from mirror.sanitize import article_images
from sitekit import Reply, Site, article, png

BASE = "https://news.example/2026/story"


def urls(attrs, picture=(), base=BASE):
    return list(choose(attrs, picture, base).urls)


def test_one_precedence_largest_first_same_site_first():
    assert urls({"src": "/a.jpg", "srcset": "/a-480.jpg 480w, /a-960.jpg 960w", "data-src": "/lazy.jpg"}) == [
        "https://news.example/lazy.jpg", "https://news.example/a-960.jpg", "https://news.example/a-480.jpg"]
    # The site's own copy before a third party's bigger one; the third party stays as a fallback.
    assert urls({"src": "/p.png", "srcset": "https://cdn.other.example/p-2x.png 2x"}) == [
        "https://news.example/p.png", "https://cdn.other.example/p-2x.png"]
    assert urls({"alt": "x"}, ["/pic-800.webp 800w, /pic-1600.webp 1600w"]) == [
        "https://news.example/pic-1600.webp", "https://news.example/pic-800.webp"]
    # Subdomains are the same site.
    assert urls({"src": "https://img.news.example/i.jpg"}) == ["https://img.news.example/i.jpg"]


@pytest.mark.parametrize("attrs, why", [
    ({"src": "/i.png", "width": "1", "height": "1"}, "a tracking pixel"),
    ({"src": "/i.png", "height": "0"}, "a tracking pixel"),
    ({"src": "/i.png", "style": "border:0; width: 1px ; height:1px"}, "a tracking pixel"),
    ({"src": "https://www.facebook.com/tr?id=1&ev=PageView"}, "a tracker"),
    ({"src": "https://sb.scorecardresearch.com/p?c1=2&c2=3"}, "a tracker"),
    ({"src": "https://mc.yandex.ru/watch/123"}, "a tracker"),
    ({"src": "/px/f.gif?uid=123&utm_source=x"}, "a tracker"),
    ({"src": "https://mail.example/?e=open&uid=42"}, "a tracker"),
    ({"src": "https://cdn.news.example/pixel.gif"}, "a tracker"),
    ({"src": "/static/icons/share.png"}, "not part of the story"),
    ({"src": "/a.png", "width": "32"}, "too small"),
    ({"src": "/a.png", "class": "author-avatar"}, "not part of the story"),
    ({"src": "/logo.svg"}, "SVG"),
    ({"src": "data:image/gif;base64,R0lGODlhAQABAAAAACw="}, "no source"),
    ({"src": "javascript:alert(1)"}, "no web address"),
])
def test_dropped_before_any_request(attrs, why):
    c = choose(attrs, (), BASE)
    assert c.urls == () and c.dropped.startswith(why), c


def test_tracking_parameters_go_before_the_fetch_and_https_pages_never_fetch_in_clear():
    assert urls({"src": "/img/p.jpg?utm_source=x&w=800&fbclid=1#top"}) == ["https://news.example/img/p.jpg?w=800"]
    assert urls({"src": "http://news.example/img/p.jpg"}) == ["https://news.example/img/p.jpg"]  # upgraded
    assert urls({"src": "//cdn.news.example/p.jpg"}) == ["https://cdn.news.example/p.jpg"]
    assert urls({"src": "http://news.example/img/p.jpg"}, base="http://news.example/s") == [
        "http://news.example/img/p.jpg"]


@pytest.mark.parametrize("attrs, picture", [
    ({"src": "/p.png", "srcset": "https://cdn.other.example/p-2x.png 2x, /p-1x.png 1x", "width": "600"}, ()),
    ({"data-src": "/l.jpg", "src": "http://news.example/x.jpg?utm_medium=a"}, ["/s-800.webp 800w, /s.webp 400w"]),
    ({"src": "/one.jpg", "alt": "a", "class": "wide"}, ()),
])
def test_the_decision_written_on_an_image_reads_back_the_same(attrs, picture):
    first = choose(attrs, picture, BASE)
    assert first.urls
    assert choose(decided(attrs, first), (), BASE) == first


def test_extraction_and_sanitising_make_the_same_decision():
    extra = ('<img src="/a.png" srcset="https://cdn.other.example/a-2x.png 2x, /a-1x.png 1x" alt="a">'
             '<picture><source srcset="/b-800.webp 800w, /b-1600.webp 1600w"><img alt="b"></picture>'
             '<img src="/c.png?utm_source=feed" data-src="http://news.example/c-real.png" alt="c">'
             '<img src="https://www.facebook.com/tr?id=1" alt="">')
    ex = extract(article("Same rule", extra=extra), BASE)
    chosen = article_images(ex.html, BASE)
    assert [c.url for c in chosen] == ex.images == [
        "https://news.example/a-1x.png", "https://news.example/b-1600.webp", "https://news.example/c-real.png"]
    assert chosen[0].urls == ("https://news.example/a-1x.png", "https://news.example/a.png",
                              "https://cdn.other.example/a-2x.png")


def test_no_clear_text_image_request_from_an_https_page():
    asked: list[str] = []

    def load(url, limit):
        asked.append(url)
        return png(60, 60)

    html = article("Mixed", extra='<img src="http://news.example/i/a.png" alt="a">'
                                  '<img src="http://other.example/b.png" alt="b">',
                   head='<meta property="og:image" content="http://news.example/lead.png">')
    new = build_version(html, BASE, load, FetchConfig())
    assert asked and all(u.startswith("https://") for u in asked), asked
    assert len(new.assets) == 1  # one PNG, three images: same bytes, one asset


# -- through the CLI, against a recording site -----------------------------------

PIXELS = """
<img src="/img/a.png" srcset="/img/a-big.png 2x" alt="fallback">
<img src="/img/e.png" srcset="http://cdn.thirdparty.example/e-2x.png 2x" alt="same site first">
<img src="/img/photo.png?utm_source=x&fbclid=2&w=800" alt="detracked">
<img src="http://tracker.example/?e=open&uid=1">
<img src="/px/f.gif?uid=123&utm_source=x">
<img src="http://www.facebook.com/tr?id=1&ev=PageView">
<img src="http://sb.scorecardresearch.com/p?c1=2">
<img src="http://pixel.wp.com/g.gif?v=ext">
<img src="/img/c.png" style="width:1px;height:1px">
<img src="/img/d.png" width="1">
<img src="/img/f.png" height="0" width="0">
<p>Before the embed.</p><embed src="http://ads.example/e.swf">
<p>The text after an unclosed embed: AFTER-EMBED, and it is still part of the story.</p>
"""


@pytest.fixture(scope="module")
def site():
    s = Site()
    s.html("http://news.example/pixels", article("Pixels of every kind", extra=PIXELS))
    s.add("http://news.example/img/a-big.png", Reply(b"gone", 404, content_type="text/plain"))
    for i, name in enumerate(("a", "e", "c", "d", "f")):
        s.image(f"http://news.example/img/{name}.png", png(60 + i, 60))
    s.image("http://news.example/img/photo.png?w=800", png(70, 60))
    s.image("http://cdn.thirdparty.example/e-2x.png", png(120, 120))
    s.port = s.start()
    yield s
    s.stop()


def test_a_hostile_page_of_pixels_through_the_cli(site, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[fetch]\nper_host_delay = 0.0\nretries = 0\ntimeout = 5\n")
    site.clear()
    r = run_mirror("add", "--json", "--proxy", f"http://127.0.0.1:{site.port}", "http://news.example/pixels",
                   config=cfg, archive=tmp_path / "ar")
    assert r.returncode == 0, r.stderr
    [out] = json_lines(r.stdout)
    assert out["images"] == 3
    assert sorted(site.urls()) == [  # zero tracker requests, nothing with a tracking parameter
        "http://news.example/img/a-big.png", "http://news.example/img/a.png", "http://news.example/img/e.png",
        "http://news.example/img/photo.png?w=800", "http://news.example/pixels"]
    art = json.loads(run_mirror("show", out["id"], "--format", "json", config=cfg, archive=tmp_path / "ar").stdout)
    assert sorted(a["source_url"] for a in art["assets"]) == [  # the failed 2x fell back to src
        "http://news.example/img/a.png", "http://news.example/img/e.png", "http://news.example/img/photo.png?w=800"]
    assert art["html"].count("<img") == 3
    assert "AFTER-EMBED" in art["text"] and "AFTER-EMBED" in art["html"]
