"""The URL an article is filed under (it travels in every bundle): the page's own
same-site canonical URL, else the URL the user gave, cleaned of tracking
parameters; never a server-chosen redirect target."""

from __future__ import annotations

import json

import pytest

from conftest import run_mirror, json_lines
from mirror.urls import article_url
from sitekit import Reply, Site, article


@pytest.mark.parametrize("given, page, declared, filed", [
    # No declaration: the user's URL, even after a redirect elsewhere on the site.
    ("https://news.example/s", "https://news.example/t/8f3a/s", None, "https://news.example/s"),
    ("https://news.example/s?utm_source=x&id=3", "https://news.example/s", None, "https://news.example/s?id=3"),
    # A same-site declaration wins (subdomains are the same site), cleaned.
    ("https://news.example/s", "https://news.example/t/8f3a/s", "https://news.example/2026/s?fbclid=1",
     "https://news.example/2026/s"),
    ("https://t.co/abc", "https://www.news.example/s", "https://news.example/s#top", "https://news.example/s"),
    # Another site's URL, a downgrade or junk: the user's URL.
    ("https://news.example/s", "https://news.example/s", "https://evil.example/s", "https://news.example/s"),
    ("https://news.example/s", "https://news.example/s", "http://news.example/s", "https://news.example/s"),
    ("https://news.example/s", "https://news.example/s", "javascript:alert(1)", "https://news.example/s"),
    ("https://news.example/s", "https://news.example/s", "https://news.example/a b", "https://news.example/s"),
    # Credentials never become part of it.
    ("https://u:p@news.example/s", "https://news.example/s", None, "https://news.example/s"),
    ("https://news.example/s", "https://news.example/s", "https://u:p@news.example/c", "https://news.example/c"),
])
def test_article_url(given, page, declared, filed):
    assert article_url(given, page, declared) == filed


@pytest.fixture(scope="module")
def site():
    s = Site()
    token = "/t/8f3a1c9e/story?session=xyz"
    s.add("http://news.example/story", Reply(b"", 302, {"Location": token}))
    s.html(f"http://news.example{token}", article("Tokened"))
    s.add("http://news.example/declared", Reply(b"", 302, {"Location": "/t/77/declared"}))
    s.html("http://news.example/t/77/declared", article(
        "Declared", head='<link rel="canonical" href="/2026/declared?utm_source=feed&ito=x">'))
    s.html("http://news.example/og", article(
        "Open Graph", head='<meta property="og:url" content="http://www.news.example/og-canonical">'))
    s.html("http://news.example/foreign", article(
        "Foreign", head='<link rel="canonical" href="http://other.example/claimed">'))
    s.port = s.start()
    yield s
    s.stop()


def test_stored_urls_through_the_cli(site, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[fetch]\nper_host_delay = 0.0\nretries = 0\ntimeout = 5\n")
    urls = {
        "http://news.example/story?utm_medium=social&mc_eid=1": "http://news.example/story",
        "http://news.example/declared": "http://news.example/2026/declared",
        "http://news.example/og": "http://www.news.example/og-canonical",
        "http://news.example/foreign": "http://news.example/foreign",
    }
    r = run_mirror("add", "--json", "--proxy", f"http://127.0.0.1:{site.port}", *urls, config=cfg,
                   archive=tmp_path / "ar")
    assert r.returncode == 0, r.stderr
    by_url = {o["url"]: o for o in json_lines(r.stdout)}  # JSON Lines, in the order they finished
    for o, filed in ((by_url[u], f) for u, f in urls.items()):
        shown = json.loads(run_mirror("show", o["id"], "--format", "json", config=cfg,
                                      archive=tmp_path / "ar").stdout)
        assert shown["url"] == filed, (o["url"], shown["url"])
    stored = run_mirror("ls", "--json", config=cfg, archive=tmp_path / "ar").stdout
    assert "8f3a1c9e" not in stored and "session" not in stored and "/t/77/" not in stored
