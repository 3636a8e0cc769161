"""Hostile pages through the whole pipeline: what the server was asked for,
what was extracted, what was dropped, and the reader page in real Chromium.

The local server also acts as an HTTP proxy (`mirror add --proxy`), so pages
can live on any host name and every request of the run is seen by the test.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import json_lines, run_mirror
from sitekit import PIXEL_GIF, Reply, Site, article, open_pages, png

PAGE = "http://news.example/2024/bridge?id=77"
LAZY_GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACw="

HOSTILE_HEAD = """
<script src="http://analytics.example/ga.js"></script>
<script>window.__pwned = "inline head script"; alert("head")</script>
<link rel="stylesheet" href="http://cdn.example/site.css">
<link rel="preload" as="font" href="http://fonts.example/serif.woff2" crossorigin>
<style>@import url(http://fonts.example/css2?family=Serif); body { background: url(http://tracker.example/bg.png) }</style>
<link rel="icon" href="/favicon.ico"><link rel="apple-touch-icon" href="/touch.png">
<link rel="prefetch" href="http://news.example/next-story"><link rel="dns-prefetch" href="//tracker.example">
<link rel="preconnect" href="http://ads.example">
<meta http-equiv="refresh" content="5;url=http://evil.example/">
<base href="http://evil.example/">
<meta property="og:image" content="/img/lead.png">
"""

HOSTILE_BODY = f"""
<img src="/img/photo1.png" alt="Bridge at dawn" onerror="window.__pwned = 'onerror'">
<figure><img src="{LAZY_GIF}" data-src="/img/photo2.png" alt=""><figcaption>The old bridge in 1894</figcaption></figure>
<p onclick="window.__pwned = 'onclick'" style="color:red">More text with a <a href="javascript:window.__pwned='js'">trap</a>,
 a <a href="data:text/html,<script>alert(1)</script>">data link</a> and a
 <a href="/related/story?id=77&utm_source=newsletter&utm_medium=email&fbclid=IwAR0xyz&gclid=abc" target="_blank"
    onmouseover="alert(1)">related story</a>.</p>
<img src="/img/photo3.png" srcset="http://thirdparty.example/photo3-2x.png 2x" alt="Hi-res">
<img src="http://tracker.example/pixel.gif?u=42" width="1" height="1" alt="">
<iframe src="http://ads.example/frame.html" width="300" height="250"></iframe>
<object data="http://ads.example/flash.swf"></object><embed src="http://ads.example/e.swf">
<form action="http://tracker.example/collect" method="post"><input name="email"><button>Subscribe</button></form>
<svg width="10" height="10" onload="window.__pwned = 'svg'"><script>alert("svg")</script></svg>
<script>document.write('<img src="http://tracker.example/dw.gif">'); window.__pwned = "body script"</script>
<noscript><img src="http://tracker.example/noscript.gif" width="1" height="1"></noscript>
"""

# Everything a browser would have loaded from the hostile page and we must not.
NEVER = ["analytics.example", "cdn.example", "fonts.example", "tracker.example", "ads.example",
         "evil.example", "/favicon.ico", "/touch.png", "/next-story"]

RU_TITLE = "Мост закрыт на ремонт"
RU_TEXT = ("Городской совет во вторник вечером решил закрыть старый каменный мост, который стоит "
           "над рекой с 1894 года. Жители просят построить новый переход как можно скорее. ")
AR_TITLE = "إغلاق الجسر القديم"
AR_TEXT = ("قرر مجلس المدينة مساء الثلاثاء إغلاق الجسر الحجري القديم الذي يقف فوق النهر منذ عام "
           "١٨٩٤، ويطالب السكان ببناء معبر جديد في أقرب وقت ممكن. ")


def _cookie_redirect(h):
    h._send(Reply(b"", 302, {"Location": PAGE, "Set-Cookie": "visitor=abc123; Path=/"}))


@pytest.fixture(scope="module")
def site():
    s = Site()
    s.add("http://news.example/go/bridge", _cookie_redirect)
    s.html(PAGE, article("Bridge closes", extra=HOSTILE_BODY, head=HOSTILE_HEAD),
           Set_Cookie="session=s3cr3t; Path=/; HttpOnly")
    for name, color in (("photo1", (200, 40, 40)), ("photo2", (40, 200, 40)), ("photo3", (40, 40, 200)),
                        ("lead", (90, 90, 90))):
        s.add(f"http://news.example/img/{name}.png",
              Reply(png(64, 48, color), headers={"Set-Cookie": f"img_{name}=1"}, content_type="image/png"))
    s.image("http://thirdparty.example/photo3-2x.png", png(128, 96, (40, 40, 201)))
    s.image("http://tracker.example/pixel.gif", PIXEL_GIF, "image/gif")
    # windows-1251: declared only in <meta>; koi8-r: declared only in the HTTP header.
    s.add("http://vesti.example/news/1", Reply(
        article(RU_TITLE, head='<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
                lang="ru", text=RU_TEXT).replace('<meta charset="utf-8">', "").encode("windows-1251"),
        content_type="text/html"))
    s.add("http://vesti.example/news/2", Reply(
        article(RU_TITLE + " (2)", lang="ru", text=RU_TEXT).replace('<meta charset="utf-8">', "").encode("koi8-r"),
        content_type="text/html; charset=KOI8-R"))
    s.html("http://akhbar.example/a/1", article(
        AR_TITLE, lang="ar", text=AR_TEXT,
        extra='<figure><img src="/i/bridge.png" alt="الجسر"><figcaption>الجسر عام ١٨٩٤</figcaption></figure>'))
    s.image("http://akhbar.example/i/bridge.png", png(80, 60, (10, 120, 160)))
    # A blocked outlet reachable only through its mirror domain.
    s.html("http://mirror-of-outlet.example/story/5", article(
        "Read via the mirror", extra='<img src="/pics/m.png" alt="m">'))
    s.image("http://mirror-of-outlet.example/pics/m.png", png(30, 30, (1, 2, 3)))
    s.port = s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def run_add(site, tmp_path_factory):
    """One `mirror add` batch of every page, through the recording proxy."""
    tmp = tmp_path_factory.mktemp("hostile")
    cfg = tmp / "config.toml"
    cfg.write_text('[fetch]\nper_host_delay = 0.0\nretries = 0\ntimeout = 5\n\n'
                   '[mirrors]\n"blocked-outlet.example" = "mirror-of-outlet.example"\n')
    urls = ["http://news.example/go/bridge", "http://vesti.example/news/1", "http://vesti.example/news/2",
            "http://akhbar.example/a/1", "http://blocked-outlet.example/story/5?utm_campaign=x"]
    site.clear()

    def mirror(*args):
        return run_mirror(*args, config=cfg, archive=tmp / "ar")

    r = mirror("add", "--json", "--jobs", "3", "--proxy", f"http://127.0.0.1:{site.port}", *urls)
    assert r.returncode == 0, r.stderr
    outcomes = {o["url"]: o for o in json_lines(r.stdout)}
    hits = list(site.hits)
    arts, pages = {}, {}
    for url, o in outcomes.items():
        arts[url] = json.loads(mirror("show", o["id"], "--format", "json").stdout)
        shown = mirror("show", o["id"], "--format", "html")
        assert shown.returncode == 0, shown.stderr
        path = tmp / f"{o['id']}.html"
        path.write_text(shown.stdout, encoding="utf-8")
        pages[url] = path
    return {"outcomes": outcomes, "hits": hits, "arts": arts, "pages": pages, "urls": urls}


def test_only_the_pages_and_their_article_images_were_requested(run_add):
    hits = run_add["hits"]
    asked = sorted(h.url for h in hits)
    required = {"http://news.example/go/bridge", PAGE, "http://news.example/img/photo1.png",
                "http://news.example/img/photo2.png", "http://news.example/img/lead.png",
                "http://vesti.example/news/1", "http://vesti.example/news/2", "http://akhbar.example/a/1",
                "http://akhbar.example/i/bridge.png", "http://mirror-of-outlet.example/story/5",
                "http://mirror-of-outlet.example/pics/m.png"}
    # The third image is one request: its src, or the srcset's larger version, never both.
    photo3 = {"http://news.example/img/photo3.png", "http://thirdparty.example/photo3-2x.png"}
    assert len(asked) == len(set(asked)), "something was fetched twice"
    assert required <= set(asked)
    assert len(set(asked) - required) == 1 and (set(asked) - required) <= photo3, asked
    for bad in NEVER:
        assert not any(bad in u for u in asked), bad
    assert all(h.proxied for h in hits)


def test_no_cookie_no_page_referer_and_firefox_headers(run_add):
    hits = run_add["hits"]
    for h in hits:
        names = {k.lower() for k in h.headers}
        assert "cookie" not in names, (h.url, h.headers)
        assert "firefox/" in h.headers["User-Agent"].lower() and "python" not in h.headers["User-Agent"].lower()
        assert h.headers.get("Accept-Language") == "en-US,en;q=0.9"
    page = next(h for h in hits if h.url == PAGE)
    assert page.headers["Accept"].startswith("text/html") and "Referer" not in page.headers
    # Plain http is not a trustworthy origin: Firefox sends neither br/zstd nor Sec-Fetch-* there.
    assert [k for k in page.headers if k not in ("Host", "Proxy-Connection")] == [
        "User-Agent", "Accept", "Accept-Language", "Accept-Encoding", "Connection", "Upgrade-Insecure-Requests",
        "Priority"]
    img = next(h for h in hits if h.path == "/img/photo1.png")
    assert img.headers["Accept"].startswith("image/")
    assert img.headers["Referer"] == PAGE  # same origin: the page's URL, as strict-origin-when-cross-origin
    lead = next(h for h in hits if h.path == "/img/lead.png")
    assert lead.headers["Referer"] == PAGE


def test_mirror_domain_is_fetched_and_canonical_url_is_kept(run_add):
    o = run_add["outcomes"]["http://blocked-outlet.example/story/5?utm_campaign=x"]
    art = run_add["arts"]["http://blocked-outlet.example/story/5?utm_campaign=x"]
    assert art["url"] == "http://blocked-outlet.example/story/5"
    assert not any("blocked-outlet.example" in h.host for h in run_add["hits"])
    assert o["images"] == 1 and art["assets"][0]["source_url"] == "http://blocked-outlet.example/pics/m.png"


def test_hostile_article_extracted_and_cleaned(run_add):
    art = run_add["arts"]["http://news.example/go/bridge"]
    assert art["url"] == "http://news.example/go/bridge"  # the URL given, not where the redirect went
    assert art["title"] == "Bridge closes" and art["byline"] == "Jane Roe" and art["lang"] == "en"
    assert "Paragraph 4." in art["text"] and "1894" in art["text"]
    html = art["html"]
    low = html.lower()
    for bad in ("<script", "<style", "<iframe", "<object", "<embed", "<form", "<input", "<svg", "<meta",
                "<base", "<link", "srcset", "style=", "javascript:", "data:", "__pwned", "target="):
        assert bad not in low, bad
    assert not re.search(r"\son[a-z]+\s*=", low)
    assert ('<a href="http://news.example/related/story?id=77" rel="noreferrer noopener">related story</a>'
            in html)
    srcs = re.findall(r'<img[^>]*src="([^"]*)"', html)
    assert len(srcs) == 3 and all(re.fullmatch(r"assets/[0-9a-f]{16}\.png", s) for s in srcs)
    assert "The old bridge in 1894" in html  # caption kept with its figure
    names = {a["name"] for a in art["assets"]}
    assert {s.removeprefix("assets/") for s in srcs} <= names
    assert len(names) == 4 and art["lead_image"].removeprefix("assets/") in names
    assert all(a["mime"] == "image/png" for a in art["assets"])


def test_legacy_cyrillic_charsets_come_out_right(run_add):
    for url, title in (("http://vesti.example/news/1", RU_TITLE), ("http://vesti.example/news/2", RU_TITLE + " (2)")):
        art = run_add["arts"][url]
        assert art["title"] == title
        assert RU_TEXT.strip() in art["text"] and art["lang"] == "ru"


@pytest.mark.browser
def test_reader_pages_are_offline_safe_in_chromium(run_add):
    urls = run_add["urls"]
    reports = dict(zip(urls, open_pages([run_add["pages"][u] for u in urls])))
    for url, rep in reports.items():
        assert rep.requests == [], (url, rep.requests)
        assert rep.dialogs == [], (url, rep.dialogs)
        assert not any("PAGE SCRIPT RAN" in c for c in rep.console), (url, rep.console)
        assert rep.images_loaded == rep.images_total, url
    hostile = reports["http://news.example/go/bridge"]
    assert hostile.title == "Bridge closes"
    assert hostile.images_total == 4  # lead image + three article images, all visible
    assert "The old bridge in 1894" in hostile.text and "http://news.example/go/bridge" in hostile.text
    rtl = reports["http://akhbar.example/a/1"]
    assert rtl.dir == "rtl" and rtl.images_total == 1 and AR_TITLE in rtl.text
    assert reports["http://vesti.example/news/1"].title == RU_TITLE


def test_reader_page_head_order(run_add):
    page = run_add["pages"]["http://akhbar.example/a/1"].read_text(encoding="utf-8")
    head = page[page.index("<head>") + 6:page.index("</head>")].strip().splitlines()
    assert head[0] == '<meta charset="utf-8">'
    assert head[1] == ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
                       "media-src data:; font-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
                       "form-action 'none'\">")
    assert head[2] == '<meta name="referrer" content="no-referrer">'
    assert '<html lang="ar" dir="rtl">' in page
    assert "<script" not in page.lower() and "http://akhbar.example/i/" not in page
