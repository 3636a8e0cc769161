"""Sanitiser, link de-tracking and image sniffing: the parts that decide what
an archived page may contain."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mirror import imageinfo
from mirror.sanitize import ALLOWED_TAGS, article_images, make_asset, render_clean, sanitize
from mirror.urls import canonical_url, clean_link, detrack, from_mirror, to_mirror
from sitekit import PIXEL_GIF, png

BASE = "https://news.example/world/story.html"
A = "0123456789abcdef.png"


# -- links ------------------------------------------------------------------------


@pytest.mark.parametrize("dirty, clean", [
    ("https://x.example/a?id=77&utm_source=tw&utm_medium=social", "https://x.example/a?id=77"),
    ("https://x.example/a?fbclid=IwAR0&page=2", "https://x.example/a?page=2"),
    ("https://x.example/a?gclid=1&dclid=2&msclkid=3&mc_cid=4&mc_eid=5&yclid=6", "https://x.example/a"),
    ("https://x.example/a?_hsenc=p&_hsmi=1&igshid=z&ref_src=twsrc&q=rivers", "https://x.example/a?q=rivers"),
    ("https://x.example/a?UTM_Campaign=x&id=77#part", "https://x.example/a?id=77#part"),
    ("https://x.example/a?id=77", "https://x.example/a?id=77"),
    ("https://x.example/search?q=a+b&lang=ru", "https://x.example/search?q=a+b&lang=ru"),
])
def test_detrack_removes_trackers_and_keeps_ordinary_params(dirty, clean):
    assert detrack(dirty) == clean


def test_canonical_url_drops_fragment_and_trackers():
    assert canonical_url(" https://x.example/a?id=1&utm_source=x#top ") == "https://x.example/a?id=1"


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", " javascript:alert(1)",
    "java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "file:///etc/passwd", "ftp://x.example/f", "http://", "",
])
def test_dangerous_or_useless_links_are_dropped(href):
    assert clean_link(href, BASE) is None


def test_links_are_absolutised_and_detracked():
    assert clean_link("../photos/?id=77&utm_source=rss", BASE) == "https://news.example/photos/?id=77"
    assert clean_link("//other.example/x?fbclid=1", BASE) == "https://other.example/x"
    assert clean_link("mailto:desk@news.example", BASE) == "mailto:desk@news.example"
    assert clean_link("#notes", BASE) == "#notes"


def test_mirror_mapping_round_trip():
    mirrors = {"outlet.example": "mirror-outlet.example:8443"}
    assert to_mirror("https://outlet.example/a?b=1", mirrors) == "https://mirror-outlet.example:8443/a?b=1"
    assert from_mirror("https://mirror-outlet.example:8443/a?b=1", mirrors) == "https://outlet.example/a?b=1"
    assert to_mirror("https://elsewhere.example/a", mirrors) == "https://elsewhere.example/a"


# -- the allowlist --------------------------------------------------------------------


HOSTILE = """
<h2 onclick="steal()">Heading</h2>
<p style="background:url(https://t.example/bg.png)" onmouseover="x()">Text
 <a href="/x?id=77&utm_source=tw&fbclid=abc" target="_blank" onclick="a()" ping="https://t.example/ping">kept</a>
 <a href="JaVa&#x09;script:alert(1)">js</a> <a href="data:text/html;base64,PHNjcmlwdD4=">data</a>
 <a href="vbscript:msgbox(1)">vb</a> <a href="#n">anchor</a></p>
<script>window.__pwned = 1</script><style>body{background:url(https://t.example/css.png)}</style>
<iframe src="https://ads.example/frame"></iframe><object data="x.swf"></object><embed src="y.swf">
<form action="https://t.example/collect"><input name=q><button>Go</button></form>
<meta http-equiv="refresh" content="0;url=https://t.example/"><base href="https://evil.example/">
<link rel="prefetch" href="https://t.example/next"><link rel="stylesheet" href="https://fonts.example/f.css">
<svg onload="alert(1)"><script>alert(2)</script><image href="https://t.example/s.png"/></svg>
<math><mi xlink:href="javascript:alert(3)">m</mi></math>
<img src="/img/a.png" srcset="https://thirdparty.example/a-2x.png 2x" sizes="100vw" onerror="alert(4)" alt="A">
<img src="https://t.example/pixel.gif" width="1" height="1">
<img src="/img/not-fetched.png">
<video src="https://t.example/v.mp4" poster="https://t.example/p.jpg"></video>
<audio src="https://t.example/a.mp3"></audio>
<span id="n">anchor target</span>
"""


def test_hostile_fragment_is_cleaned():
    out = sanitize(HOSTILE, BASE, {"https://news.example/img/a.png": A})
    low = out.lower()
    for bad in ("<script", "<style", "<iframe", "<object", "<embed", "<form", "<input", "<button",
                "<meta", "<base", "<link", "<svg", "<math", "<video", "<audio", "srcset", "sizes",
                "javascript:", "vbscript:", "data:", "style=", "target=", "ping=", "t.example",
                "thirdparty.example", "evil.example", "fonts.example", "ads.example", "not-fetched"):
        assert bad not in low, bad
    assert not re.search(r"\son[a-z]+\s*=", low)
    assert '<a href="https://news.example/x?id=77" rel="noreferrer noopener">kept</a>' in out
    assert f'<img alt="A" src="assets/{A}">' in out
    assert out.count("<img") == 1  # the pixel and the unfetched image are gone
    assert '<a href="#m-n"' in out and 'id="m-n"' in out  # in-page anchors still work
    assert "Heading" in out and "anchor target" in out


def test_every_link_carries_noreferrer():
    out = sanitize('<p><a href="https://a.example/">a</a> <a href="/b" rel="opener">b</a></p>', BASE)
    assert out.count('rel="noreferrer noopener"') == 2 and "opener\"" not in out.replace("noopener", "")


def test_lazy_picture_and_noscript_images_are_found_and_localised():
    frag = """<p>t</p>
    <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/lazy.jpg">
    <picture><source srcset="/p-800.webp 800w, /p-1600.webp 1600w"><img alt="p"></picture>
    <noscript><img src="/ns.png"></noscript>
    <img srcset="/s-1x.png 1x, /s-2x.png 2x">
    <img src="/logo.svg"><img src="/tiny.gif" width="1" height="1"><img src="/t2.gif" style="width:1px;height:1px">"""
    urls = [c.url for c in article_images(frag, BASE, extra=["/lead.jpg", "/lazy.jpg"])]
    assert urls == ["https://news.example/lazy.jpg", "https://news.example/p-1600.webp",
                    "https://news.example/s-2x.png", "https://news.example/ns.png",
                    "https://news.example/lead.jpg"]
    names = {u: f"{i:016x}.png" for i, u in enumerate(urls)}
    out = sanitize(frag, BASE, names)
    assert out.count("<img") == 4
    assert "<noscript" not in out and "<picture" not in out and "<source" not in out
    assert all(src.startswith("assets/") for src in re.findall(r'src="([^"]*)"', out))


def test_render_clean_refuses_foreign_markup_and_maps_assets():
    # What a hostile bundle might carry as "stored" HTML.
    stored = (f'<p id="x" onclick="a()">hi<script>alert(1)</script></p><img src="assets/{A}">'
              '<img src="https://t.example/x.png"><img src="assets/../../etc.png">'
              '<a href="javascript:alert(1)">j</a><p id="m-ok">k</p>')
    out = render_clean(stored, lambda name: "data:image/png;base64,AAAA" if name == A else None)
    assert '<img src="data:image/png;base64,AAAA">' in out
    assert "t.example" not in out and "etc.png" not in out and "<script" not in out
    assert "javascript" not in out and "onclick" not in out
    assert 'id="x"' not in out and 'id="m-ok"' in out


def _start_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Start tags as a browser-grade tokenizer sees them (attribute values decoded)."""
    found = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    p = P(convert_charrefs=True)
    p.feed(html)
    p.close()
    return found


# Random markup built from hostile pieces: nothing dangerous ever comes out.
PIECES = st.sampled_from([
    "<script>", "</script>", "<scr", "ipt>", "<img src=x onerror=alert(1)>", "<a href='javascript:x'>",
    "<a href=\"java&#x0A;script:x\">", "<svg onload=x>", "<iframe src=//e>", "<p style='x:y'>", "on", "click=",
    "<div onmouseover=x>", "<", ">", "\"", "'", "=", "&", "&lt;script&gt;", "<!--", "-->", "<![CDATA[",
    "<base href=//e>", "<meta http-equiv=refresh content='0;url=//e'>", "<object data=x>", "<form action=//e>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<a href=data:text/html,x>", "<a href=vbscript:x>", "<img srcset='//e/a 2x'>", "text ", "<p>", "</p>",
    "<template><script>x</script></template>", "<style>@import '//e';</style>", "<link rel=stylesheet href=//e>",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES | st.text(max_size=8), max_size=25).map("".join))
def test_sanitiser_output_never_contains_script_handlers_or_js_links(html):
    out = sanitize(html, BASE, {"https://news.example/x": A}).lower()
    assert "<script" not in out  # text keeps "<" escaped, so every "<" opens a real tag
    for tag, attrs in _start_tags(out):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on") and name not in ("style", "srcset", "action", "formaction")
            if name in ("href", "src"):
                assert re.match(r"(https?:|mailto:|#m-|assets/)", value or ""), value
                assert "javascript:" not in value and "vbscript:" not in value
    # Idempotent: cleaning clean output changes nothing the reader would see.
    assert sanitize(out, BASE, {}).lower().count("<a ") == out.count("<a ")


# -- images --------------------------------------------------------------------------


def test_sniffing_uses_magic_bytes_not_names():
    assert imageinfo.sniff(png(3, 2)) is imageinfo.PNG
    assert imageinfo.sniff(b"\xff\xd8\xff\xe0" + b"\0" * 20) is imageinfo.JPEG
    assert imageinfo.sniff(PIXEL_GIF) is imageinfo.GIF
    assert imageinfo.sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") is imageinfo.WEBP
    assert imageinfo.sniff(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1") is imageinfo.AVIF
    assert imageinfo.sniff(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') is None
    assert imageinfo.sniff(b"<?xml version='1.0'?><svg/>") is None
    assert imageinfo.sniff(b"<html><script>alert(1)</script>") is None


def test_dimensions_and_pixels():
    assert imageinfo.dimensions(png(40, 30)) == (40, 30)
    assert imageinfo.dimensions(PIXEL_GIF) == (1, 1)
    assert imageinfo.is_pixel(PIXEL_GIF) and imageinfo.is_pixel(png(1, 1)) and imageinfo.is_pixel(png(300, 1))
    assert not imageinfo.is_pixel(png(2, 2))
    # A baseline JPEG header: SOI, APP0, SOF0 with height 480, width 640.
    jpeg = (b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xc0\x00\x11\x08\x01\xe0\x02\x80\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01")
    assert imageinfo.dimensions(jpeg) == (640, 480)


def test_asset_names_come_from_content_and_sniffed_type():
    data = png(5, 4)
    asset, blob = make_asset(data, "https://news.example/photo.jpg")
    assert asset.mime == "image/png" and asset.name.endswith(".png") and len(asset.name) == 20
    assert asset.sha256.startswith(asset.name[:16]) and blob == data and asset.size == len(data)
    assert make_asset(PIXEL_GIF) is None
    assert make_asset(b"<svg onload=alert(1)></svg>") is None
