"""A hostile server, through the real CLI (as an HTTP proxy for any host name, with
the default refusal of private destinations on): compression bombs in every
encoding Firefox accepts, an endless redirect, huge headers, lying content
types. Each fails alone with a one-line reason, or the image is left out; the
article still is archived when only its images are hostile."""

from __future__ import annotations

import gzip
import json

import brotli
import pytest
from backports import zstd  # urllib3's zstd decoder before Python 3.14

from conftest import run_mirror, json_lines
from sitekit import Reply, Site, article, png

CAP = 1_000_000
BOMB = b"<html>" + b"\0" * (50 * 1024 * 1024)  # 50 MB decoded
ENCODERS = {"gzip": lambda d: gzip.compress(d, 9), "br": lambda d: brotli.compress(d, quality=5),
            "zstd": lambda d: zstd.compress(d)}


def _endless(h):
    n = int(h.path.rsplit("/", 1)[1])
    h._send(Reply(b"", 302, {"Location": f"/endless/{n + 1}"}))


def _huge_header_line(h):
    h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (2 * 1024 * 1024) + b"\r\n\r\n")
    h.close_connection = True


def _many_headers(h):
    h.wfile.write(b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n")
    h.close_connection = True


def _huge_status_line(h):
    h.wfile.write(b"HTTP/1.1 200 " + b"O" * (1024 * 1024) + b"\r\n\r\n")
    h.close_connection = True


@pytest.fixture(scope="module")
def site():
    s = Site()
    for enc, encode in ENCODERS.items():
        s.add(f"http://bad.example/bomb-{enc}", Reply(encode(BOMB), headers={"Content-Encoding": enc}))
        s.add(f"http://good.example/{enc}", Reply(encode(article(f"Sent as {enc}").encode()),
                                                  headers={"Content-Encoding": enc}))
        s.add(f"http://good.example/img/bomb-{enc}.png",
              Reply(encode(BOMB), headers={"Content-Encoding": enc}, content_type="image/png"))
    s.add("http://bad.example/endless/0", _endless)
    for i in range(1, 40):
        s.add(f"http://bad.example/endless/{i}", _endless)
    s.add("http://bad.example/huge-header", _huge_header_line)
    s.add("http://bad.example/many-headers", _many_headers)
    s.add("http://bad.example/huge-status", _huge_status_line)
    s.add("http://bad.example/png-as-page", Reply(png(40, 40), content_type="image/png"))
    s.add("http://bad.example/binary-as-html", Reply(png(40, 40) * 50, content_type="text/html"))
    s.html("http://good.example/images", article("Hostile images", extra="".join(
        f'<img src="/img/{name}" alt="{name}">' for name in
        ("bomb-gzip.png", "bomb-br.png", "bomb-zstd.png", "html-as-png.png", "png-as-html.png",
         "script.png", "real.png"))))
    s.add("http://good.example/img/html-as-png.png", Reply(b"<html><script>alert(1)</script></html>",
                                                           content_type="image/png"))
    s.add("http://good.example/img/png-as-html.png", Reply(png(60, 60, (1, 1, 1)), content_type="text/html"))
    s.add("http://good.example/img/script.png", Reply(b"<svg onload=alert(1)>", content_type="image/svg+xml"))
    s.image("http://good.example/img/real.png", png(64, 48))
    s.port = s.start()
    yield s
    s.stop()


@pytest.fixture
def add(site, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[fetch]\nper_host_delay = 0.0\nretries = 2\nbackoff = 0.0\ntimeout = 10\n"
                   f"max_redirects = 5\nmax_page_bytes = {CAP}\nmax_image_bytes = {CAP}\n")

    def run(*urls):
        site.clear()
        r = run_mirror("add", "--json", "--proxy", f"http://127.0.0.1:{site.port}", *urls, config=cfg,
                       archive=tmp_path / "ar")
        assert "Traceback" not in r.stderr
        return r, {o["url"]: o for o in json_lines(r.stdout)}

    run.cfg = cfg
    return run


def test_each_hostile_response_is_a_one_line_error(site, add):
    expect = {
        "http://bad.example/bomb-gzip": f"too large (> {CAP} bytes)",
        "http://bad.example/bomb-br": f"too large (> {CAP} bytes)",
        "http://bad.example/bomb-zstd": f"too large (> {CAP} bytes)",
        "http://bad.example/endless/0": "too many redirects (> 5)",
        "http://bad.example/huge-header": "response headers too large",
        "http://bad.example/many-headers": "response headers too large",
        "http://bad.example/huge-status": "response headers too large",
        "http://bad.example/png-as-page": "not HTML (image/png)",
        "http://bad.example/binary-as-html": "input does not look like an HTML page",
    }
    r, out = add(*expect)
    assert r.returncode == 3, r.stderr
    for url, reason in expect.items():
        assert out[url]["ok"] is False and out[url]["error"] == reason, (url, out[url])
        assert f"mirror: {url}: {reason}" in r.stderr.splitlines()
    paths = [h.path for h in site.hits]
    assert paths.count("/endless/0") == 1 and len([p for p in paths if p.startswith("/endless/")]) == 6
    for path in ("/huge-header", "/many-headers", "/huge-status"):  # a refusal, not retried
        assert paths.count(path) == 1, (path, paths)


def test_brotli_and_zstd_pages_are_decoded(add):
    r, out = add(*(f"http://good.example/{enc}" for enc in ENCODERS))
    assert r.returncode == 0, r.stderr
    assert {u: o["title"] for u, o in out.items()} == {  # (out is in completion order)
        f"http://good.example/{enc}": f"Sent as {enc}" for enc in ENCODERS}


def test_hostile_images_are_left_out_and_the_article_kept(site, add, tmp_path):
    r, out = add("http://good.example/images")
    assert r.returncode == 0, r.stderr
    [o] = out.values()
    assert o["images"] == 1  # only the real PNG: no bomb, no HTML, no SVG; a PNG sent as text/html is refused too
    art = json.loads(run_mirror("show", o["id"], "--format", "json", config=add.cfg, archive=tmp_path / "ar").stdout)
    assert [a["source_url"] for a in art["assets"]] == ["http://good.example/img/real.png"]
    assert "<script" not in art["html"] and "<svg" not in art["html"]
