"""`mirror demo`: it runs end to end from the command line, archives every
sample correctly, never fetches what a reader must not be exposed to, and its
exported pages open in Chromium with zero requests. The sample pages are
checked to really be hostile, so that the zeros above mean something."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import run_mirror, open_archive
from mirror.demo.samples import FEED, FOREIGN_HOSTS, SAMPLES, read_page
from mirror.demo.server import HOSTILE_KINDS, DemoServer, classify
from mirror.errors import NetworkError


def home(base: Path) -> dict[str, str | None]:
    """A default archive under `base` and no config file at all (the demo's own defaults)."""
    return {"MIRROR_HOME": str(base / "home"), "XDG_CONFIG_HOME": str(base / "xdg"), "MIRROR_CONFIG": None}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    base = tmp_path_factory.mktemp("demo")
    out = base / "out"
    proc = run_mirror("demo", "--out", str(out), env=home(base))
    assert proc.returncode == 0, proc.stderr
    return out, proc


DEMO_KEYS = {"archive": "archive-key.txt", "archive-received": "recipient-identity.txt"}


def demo_archive(out: Path, name: str):
    """One of the demo's encrypted archives, opened with the key it was sealed to."""
    from mirror.store import Archive, Unlock

    return Archive.open(out / name, Unlock(file=str(out / DEMO_KEYS[name]), session=False))


def ids_by_url(archive: Path) -> dict[str, str]:
    with (demo_archive(archive.parent, archive.name) if archive.name in DEMO_KEYS else open_archive(archive)) as ar:
        return {s.url.split("/", 3)[3]: s.id for s in ar.list()}


# -- the demo run --------------------------------------------------------------------


@pytest.mark.slow
def test_demo_archives_every_sample_with_title_language_and_images(demo):
    out, proc = demo
    assert "Traceback" not in proc.stderr
    with demo_archive(out, "archive") as ar:
        by_path = {"/" + s.url.split("/", 3)[3]: s for s in ar.list()}
        assert set(by_path) == {s.path for s in SAMPLES}
        for sample in SAMPLES:
            art = ar.get(by_path[sample.path].id)
            assert art.title == sample.title
            assert art.lang.split("-")[0] == sample.lang
            assert sample.byline in (art.byline or "")
            assert len(art.assets) == len(sample.images)
            assert all(a.mime == "image/png" for a in art.assets)
            for junk in ("cookie", "Cookie", "newsletter", "Newsletter"):
                assert junk not in art.text
        ferry = by_path[SAMPLES[0].path]
        versions = ar.versions(ferry.id)
        assert len(versions) == 2
        assert "About 1,400 passengers" in versions[0].text
        assert "About 1,100 passengers" in versions[1].text and "Update, 25 November" in versions[1].text


@pytest.mark.slow
def test_demo_server_saw_no_script_font_stylesheet_pixel_or_ad_request(demo):
    out, proc = demo
    log = json.loads((out / "server-log.json").read_text("utf-8"))
    kinds = [r["kind"] for r in log["requests"]]
    assert kinds.count("page") == 2 * len(SAMPLES)  # every page, in both editions
    assert kinds.count("feed") == 2  # follow, then update
    assert kinds.count("redirect") == 1  # the feed's click-tracking link, followed to the article
    assert kinds.count("image") >= 2 * sum(len(s.images) for s in SAMPLES)
    assert [r for r in log["requests"] if r["kind"] in HOSTILE_KINDS] == []
    assert [r for r in log["requests"] if r["cookie"]] == []  # the sites' cookies never went back
    assert log["refused_other_hosts"] == []
    assert "scripts, stylesheets, fonts, trackers, ads, third-party hosts: 0" in proc.stdout


@pytest.mark.slow
@pytest.mark.browser
def test_demo_bundle_round_trip_and_reader_pages_make_zero_requests(demo):
    from browserutil import open_page

    out, proc = demo
    for bundle in ("samples.age", "samples-for-recipient.age", "samples.html"):
        data = (out / bundle).read_bytes()
        assert data.startswith(b"age-encryption.org/v1\n") or bundle.endswith(".html")
        assert not any(s.title.encode() in data or s.host.encode() in data for s in SAMPLES)
    for secret in ("passphrase.txt", "recipient-identity.txt", "sender-signing.key", "archive-key.txt"):
        assert (out / secret).stat().st_mode & 0o077 == 0
    assert "signature: signed by trusted key" in proc.stdout
    assert re.search(r"refused \(exit 2\): .+", proc.stdout)  # the one-byte-tampered bundle
    assert not list(out.glob("tampered-*"))
    assert ids_by_url(out / "archive-received") == ids_by_url(out / "archive")
    site = out / "reader-site"
    assert (site / "index.html").as_uri() in proc.stdout
    pages = [site / "index.html"] + sorted(site.glob("articles/*/index.html"))
    assert len(pages) == 1 + len(SAMPLES)
    titles = set()
    for page in pages:
        rep = open_page(page, wait_ms=200)
        assert rep.requests == [], page
        assert rep.dialogs == [] and not any("PAGE SCRIPT RAN" in c for c in rep.console), page
        assert rep.images_loaded == rep.images_total, page
        titles.add(rep.title)
    assert {s.title for s in SAMPLES} <= titles


@pytest.mark.slow
@pytest.mark.browser
def test_demo_html_bundle_opens_offline_in_chromium_and_imports(demo, tmp_path):
    from playwright.sync_api import sync_playwright

    from browserutil import ARGS, CHROMIUM

    out, proc = demo
    bundle = out / "samples.html"
    assert "skipped: pack --format html" not in proc.stdout and bundle.as_uri() in proc.stdout
    assert not any(s.title.encode() in bundle.read_bytes() for s in SAMPLES)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            ctx = browser.new_context()
            ctx.on("request", lambda r: r.url != bundle.as_uri() and requests.append(r.url))
            page = ctx.new_page()
            page.goto(bundle.as_uri())
            page.fill("#passphrase", (out / "passphrase.txt").read_text().strip())
            page.click("#open")
            page.wait_for_selector("#library:not([hidden])", timeout=30_000)
            toc = page.inner_text("#toc")
            assert all(s.title in toc for s in SAMPLES)
            page.click(f"#toc a >> text={SAMPLES[0].title}")
            frame = page.frame_locator("#frame")
            assert SAMPLES[0].title in frame.locator("h1").inner_text()
            assert frame.locator("img").evaluate_all("l => l.every(i => i.complete && i.naturalWidth > 0)")
            assert requests == []
        finally:
            browser.close()
    r = run_mirror("unpack", str(bundle), "--passphrase-file", str(out / "passphrase.txt"),
                   archive=tmp_path / "got", env=home(tmp_path))
    assert r.returncode == 0, r.stderr
    assert ids_by_url(tmp_path / "got") == ids_by_url(out / "archive")


def test_demo_refuses_a_non_empty_output_directory_in_one_line(tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    proc = run_mirror("demo", "--out", str(out), env=home(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "not an empty directory" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (out / "notes.txt").read_text() == "mine"


def test_a_failing_step_ends_the_demo_with_one_line_and_exit_1(tmp_path):
    foreign = tmp_path / "not-an-archive"
    foreign.mkdir()
    (foreign / "thesis.odt").write_bytes(b"precious")
    proc = run_mirror("--archive", str(foreign), "demo", "--out", str(tmp_path / "out"), env=home(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.startswith("mirror: error: ") and proc.stderr.strip().count("\n") == 0
    assert "not a mirror archive" in proc.stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.odt"]


# -- the checks can fail -----------------------------------------------------------


def test_the_demo_fails_if_the_archiver_fetches_a_tracking_pixel(tmp_path, monkeypatch):
    from mirror.cli import cli
    from mirror.cli.demo import in_process
    from mirror.config import Config
    from mirror.demo import run as demo_run
    from mirror.demo.capture import DemoFailed, local_only_fetcher

    def leaky(cfg, proxy, blocked):
        f = local_only_fetcher(cfg, proxy, blocked)
        page = f.page

        def page_and_pixel(url):
            got = page(url)
            site = urlsplit(url)
            f.image(f"{site.scheme}://{site.netloc}/px.gif?e=leak")
            return got

        f.page = page_and_pixel
        return f

    monkeypatch.setattr(demo_run, "local_only_fetcher", leaky)
    lines: list[str] = []
    with pytest.raises(DemoFailed, match=r"fetched \d+ tracker.*/px\.gif\?e=leak"):
        demo_run.run(Config(archive=tmp_path / "unused"), lines.append, in_process(cli), out=str(tmp_path / "out"))
    assert any(re.search(r"trackers, ads, third-party hosts: [1-9]", ln) for ln in lines)


def test_the_demo_fetcher_refuses_every_other_host_before_sending(tmp_path):
    from mirror.config import Config
    from mirror.demo.capture import demo_config, local_only_fetcher

    blocked: list[str] = []
    cfg = demo_config(Config(archive=tmp_path / "a"))
    page = SAMPLES[0].url
    with local_only_fetcher(cfg, "http://127.0.0.1:9", blocked) as f:  # nothing listens on :9
        for url in ("http://tracker.invalid/pixel.gif", "http://127.0.0.1:9/media/x.png",
                    "https://lakeside-courier.example/media/x.png"):
            with pytest.raises(NetworkError, match="refused a URL outside the sample sites"):
                f.image(url, page)
        with pytest.raises(NetworkError, match="refused"):
            f.page("http://fonts.cdn.invalid/css")
        with pytest.raises(NetworkError) as allowed:  # a sample site goes to the (dead) proxy
            f.page(page)
        assert "refused a URL" not in str(allowed.value)
    assert len(blocked) == 4


def test_archive_check_catches_scripts_trackers_and_boilerplate(tmp_path):
    from mirror.demo.checks import check_archive
    from mirror.model import NewVersion

    ids = {}
    with open_archive(tmp_path / "a") as ar:
        for s in SAMPLES:
            html = "<p>text</p>"
            if s is SAMPLES[1]:
                html = '<p>text</p><script>x()</script><img src="https://tracker.invalid/p.gif">'
            if s is SAMPLES[2]:
                html = '<p onclick="t()">a <a href="http://sawt-alwaha.example/x?utm_source=site">b</a></p>'
            new = NewVersion(url="http://127.0.0.1:1" + s.path, title=s.title, byline=None, published=None,
                             modified=None, lang=s.lang, site_name=None,
                             text="We and our 214 partners use cookies" if s is SAMPLES[0] else "text",
                             html=html, captured="2026-11-26T00:00:00Z")
            ids[s.path] = ar.save(new).id
    problems = check_archive(tmp_path / "a", ids)
    joined = "\n".join(problems)
    assert "contains script" in joined and "tracker.invalid" in joined and "214 partners" in joined
    assert f"{SAMPLES[2].path}: stored HTML contains script" in joined and "tracking parameter utm_source" in joined
    assert "images stored" in joined


def test_site_check_catches_missing_csp_and_remote_references(tmp_path):
    from mirror.demo.checks import check_site

    (tmp_path / "index.html").write_text(
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'\">"
        "<img src='//tracker.invalid/p.gif'>")
    (tmp_path / "a.html").write_text("<p>no policy</p>")
    problems = check_site(tmp_path)
    assert any("remote reference" in p for p in problems)
    assert any(p.startswith("a.html: no network-blocking") for p in problems)
    assert check_site(tmp_path / "missing") != []


# -- the sample pages are really hostile --------------------------------------------


def page_soup(sample, edition=1) -> BeautifulSoup:
    raw = read_page(sample.file_for(edition))
    charset = sample.content_type.partition("charset=")[2] or "utf-8"
    return BeautifulSoup(raw.decode(charset), "lxml")


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.lang for s in SAMPLES])
def test_sample_pages_carry_every_hostile_element(sample):
    soup = page_soup(sample)
    html = str(soup)
    local_scripts = [t["src"] for t in soup.find_all("script", src=True) if t["src"].startswith("/")]
    remote_scripts = [t["src"] for t in soup.find_all("script", src=True) if "://" in t["src"]]
    inline = [t for t in soup.find_all("script", src=False) if t.get("type") != "application/ld+json"]
    assert local_scripts and remote_scripts and inline
    assert any("__pwned" in t.string for t in inline)  # a page script that ran would be caught
    styles = [t["href"] for t in soup.find_all("link", rel="stylesheet")]
    assert any(h.startswith("/static/") for h in styles) and any("fonts.cdn.invalid" in h for h in styles)
    assert "/fonts/" in html or "fonts.cdn.invalid" in html
    pixels = [t for t in soup.find_all("img") if t.get("width") == "1" and t.get("height") == "1"]
    assert any(p["src"].startswith("/px.gif") for p in pixels)
    assert soup.find("img", src=re.compile(r"^https?://[a-z.]*(tracker|counter)\.invalid/"))
    assert soup.find("img", src=re.compile(r"^/ads/"))
    assert soup.find("a", href=re.compile(r"facebook\.invalid|vk\.invalid"))  # share buttons
    assert soup.find("form", action=re.compile(r"tracker\.invalid"))  # newsletter box
    cookie_banner, *_ = sample.boilerplate
    assert cookie_banner in soup.get_text(" ")
    assert soup.find(class_=re.compile("comment"))
    assert soup.find("footer") or soup.find(id="footer")
    assert soup.find("nav") or soup.find(id="menu")
    assert soup.find("meta", property="og:title") and soup.find("meta", property="og:image")
    ld = [json.loads(t.string) for t in soup.find_all("script", type="application/ld+json")]
    assert "NewsArticle" in json.dumps(ld)
    assert soup.find("figcaption") or sample.lang == "ru"  # the Russian CMS predates <figure>
    assert soup.find("time") or sample.lang == "ru"
    assert len(soup.get_text(" ").split()) > 600  # a substantial page, not a stub
    for name in sample.images:
        assert read_page("media/" + name).startswith(b"\x89PNG\r\n\x1a\n")
        assert name in html


def test_samples_cover_rtl_legacy_charset_lazy_images_and_an_edited_edition():
    ar = page_soup(SAMPLES[2])
    assert ar.html["dir"] == "rtl" and ar.html["lang"] == "ar"
    ru = read_page(SAMPLES[1].files[0])
    assert b"charset" not in ru.lower()  # only the HTTP header says windows-1251
    ru.decode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        ru.decode("utf-8")
    en = page_soup(SAMPLES[0])
    assert en.find("img", attrs={"data-src": True}, loading="lazy")
    assert ar.find("img", attrs={"data-lazy-src": True}, src=re.compile("^data:")) and ar.find("noscript")
    v1, v2 = (page_soup(SAMPLES[0], e).get_text() for e in (1, 2))
    assert v1 != v2 and "Correction, 25 November" in v2
    feed = read_page(FEED.file).decode("utf-8")  # the feed's link carries tracking parameters
    assert f"http://{FEED.host}{FEED.redirect}?utm_source=rss" in feed and "tracker.invalid" in feed


def test_server_as_proxy_serves_the_sites_and_logs_everything_a_browser_would_fetch():
    with DemoServer() as srv:
        assert srv.proxy.startswith("http://127.0.0.1:")
        web = urllib.request.build_opener(urllib.request.ProxyHandler({"http": srv.proxy}))
        for s in SAMPLES:
            with web.open(s.url) as r:
                assert r.headers["Content-Type"] == s.content_type
                assert r.read() == read_page(s.files[0])
        site = f"http://{SAMPLES[0].host}"
        for path in ("/static/vendor/analytics.js", "/static/courier.css", "/px.gif?e=pv", "/ads/ad-banner.png"):
            with web.open(site + path) as r:
                assert r.status == 200 and r.read()
        with pytest.raises(urllib.error.HTTPError):
            web.open("http://tracker.invalid/pixel.gif?u=1")  # answered and logged here, not online
        srv.edition = 2
        with web.open(SAMPLES[0].url) as r:
            assert r.read() == read_page(SAMPLES[0].files[1])
        zipped = urllib.request.Request(SAMPLES[1].url, headers={"Accept-Encoding": "gzip, deflate"})
        with web.open(zipped) as r:
            assert r.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(r.read()) == read_page(SAMPLES[1].files[0])
        redirect = urllib.request.Request(f"http://{FEED.host}{FEED.redirect}?utm_source=rss")
        with web.open(redirect) as r:  # urllib follows it, through the proxy again
            assert r.url == FEED.delivers.url and r.read() == read_page(FEED.delivers.files[0])
        kinds = srv.counts()
        assert ("tracker.invalid", "/pixel.gif?u=1") in {(r.host, r.path) for r in srv.requests()}
    assert kinds["page"] == len(SAMPLES) + 3 and kinds["redirect"] == 1
    assert kinds["script"] == kinds["stylesheet"] == kinds["tracker"] == kinds["ad"] == kinds["third-party"] == 1
    assert classify(SAMPLES[0].host, "/fonts/courier-serif.woff2") == "font"
    assert classify(SAMPLES[1].host, "/media/x.png") == "image"
    assert classify(FEED.host, FEED.path) == "feed" and classify("tracker.invalid", FEED.path) == "third-party"
    assert all(h.endswith(".invalid") for h in FOREIGN_HOSTS)


def test_committed_pictures_are_what_the_generator_draws():
    from mirror.demo.imagegen import PICTURES, render

    for pic in PICTURES[:4]:  # the generator is deterministic; a sample keeps the test fast
        assert read_page("media/" + pic.name) == render(pic)
