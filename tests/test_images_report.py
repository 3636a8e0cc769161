"""An article's images through the CLI: each one left out is reported (a
warning line; `images_failed` with --json) with its reason, images are not
retried, are bounded per image and per article, and load in parallel across
hosts but never two at once from one host."""

from __future__ import annotations

import threading
import time

import pytest

from conftest import json_lines, run_mirror
from sitekit import Reply, Site, article, free_port, png


def _held(state: dict, host: str, seconds: float, data: bytes):
    """An image served after `seconds`, counting how many of `host`'s requests overlap."""
    def handler(h):
        with state["lock"]:
            state["now"][host] = state["now"].get(host, 0) + 1
            state["max"][host] = max(state["max"].get(host, 0), state["now"][host])
        time.sleep(seconds)
        with state["lock"]:
            state["now"][host] -= 1
        try:
            h._send(Reply(data, content_type="image/png"))
        except OSError:
            pass
    return handler


def _together(barrier: threading.Barrier, data: bytes):
    """Served only when the other host's image is asked for at the same time."""
    def handler(h):
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            h._send(Reply(b"alone", 503, content_type="text/plain"))
            return
        h._send(Reply(data, content_type="image/png"))
    return handler


def _odd_500(calls: list):
    """A 500 at the first call (and every odd one): a retry would get the image."""
    def handler(h):
        calls.append(1)
        h._send(Reply(b"busy", 500, content_type="text/plain") if len(calls) % 2 else
                Reply(png(33, 33), content_type="image/png"))
    return handler


@pytest.fixture(scope="module")
def site():
    s = Site()
    s.state = {"lock": threading.Lock(), "now": {}, "max": {}}
    s.flaky = []
    imgs = ('<img src="/ok.png" alt="a"><img src="/gone.png" alt="b">'
            '<img src="http://slow.example/s.png" alt="c"><img src="/flaky.png" alt="d">'
            '<img src="http://a.example/p.png" alt="e"><img src="http://b.example/p.png" alt="f">'
            + "".join(f'<img src="/same{i}.png" alt="s{i}">' for i in range(3)))
    s.html("http://news.example/story", article("Pictures", extra=imgs))
    s.image("http://news.example/ok.png", png(40, 30))
    s.add("http://news.example/gone.png", Reply(b"gone", 404, content_type="text/plain"))
    s.add("http://slow.example/s.png", _held(s.state, "slow", 4, png(41, 30)))
    s.add("http://news.example/flaky.png", _odd_500(s.flaky))
    barrier = threading.Barrier(2)
    s.add("http://a.example/p.png", _together(barrier, png(42, 30)))
    s.add("http://b.example/p.png", _together(barrier, png(43, 30)))
    for i in range(3):
        s.add(f"http://news.example/same{i}.png", _held(s.state, "news", 0.2, png(50 + i, 30)))
    # An article whose images take longer, together, than the article may spend on them.
    s.html("http://news.example/long", article("Long", extra="".join(
        f'<img src="http://long.example/{i}.png" alt="{i}">' for i in range(4))))
    for i in range(4):
        s.add(f"http://long.example/{i}.png", _held(s.state, "long", 0.6, png(60 + i, 30)))
    s.port = s.start()
    yield s
    s.stop()


def _config(tmp_path, **fetch) -> object:
    p = tmp_path / "config.toml"
    values = {"per_host_delay": 0.0, "retries": 2, "backoff": 0.0, "timeout": 10, "image_timeout": 1.0,
              "article_images_timeout": 20, **fetch}
    p.write_text("[fetch]\n" + "".join(f"{k} = {str(v).lower() if isinstance(v, bool) else v}\n"
                                       for k, v in values.items()))
    return p


def test_images_left_out_are_reported_with_their_reasons(site, tmp_path):
    cfg = _config(tmp_path)
    proxy = f"http://127.0.0.1:{site.port}"
    r = run_mirror("add", "--json", "--proxy", proxy, "http://news.example/story", config=cfg,
                   archive=tmp_path / "ar")
    assert r.returncode == 0, r.stderr
    [out] = json_lines(r.stdout)
    failed = {f["url"]: f["reason"] for f in out["images_failed"]}
    assert failed == {"http://news.example/gone.png": "HTTP 404",
                      "http://slow.example/s.png": "timed out",
                      "http://news.example/flaky.png": "HTTP 500"}
    assert len(site.flaky) == 1  # an image is not retried (pages are: retries = 2)
    # Parallel across hosts (a.example's and b.example's images are only served together)...
    assert out["images"] == 6
    # ...but never two at once from one host.
    assert site.state["max"]["news"] == 1

    site.flaky.clear()
    text = run_mirror("add", "--proxy", proxy, "http://news.example/story", config=cfg,
                      archive=tmp_path / "ar2")
    assert text.returncode == 0, text.stderr
    assert "(3 images left out: 1 HTTP 404, 1 timed out, 1 HTTP 500)" in text.stdout
    for url, why in failed.items():
        assert f"mirror: warning: {out['id']}: image left out: {url}: {why}" in text.stderr


def test_an_article_s_images_share_one_time_bound(site, tmp_path):
    cfg = _config(tmp_path, image_timeout=5, article_images_timeout=1.5, image_jobs=1)
    r = run_mirror("add", "--json", "--proxy", f"http://127.0.0.1:{site.port}", "http://news.example/long",
                   config=cfg, archive=tmp_path / "ar")
    assert r.returncode == 0, r.stderr
    [out] = json_lines(r.stdout)
    assert out["images"] >= 1
    reasons = [f["reason"] for f in out["images_failed"]]
    assert reasons and reasons[-1] == "no time left for the article's images"
    assert out["images"] + len(reasons) == 4


def test_an_unreachable_image_host_is_tried_once(tmp_path):
    s = Site()
    dead = free_port()  # nothing listens there
    s.html("http://127.0.0.1/p", article("Dead host", extra=f'<img src="http://127.0.0.1:{dead}/a.png" alt="a">'
                                                           f'<img src="http://127.0.0.1:{dead}/b.png" alt="b">'))
    port = s.start()
    try:
        r = run_mirror("add", "--json", f"http://127.0.0.1:{port}/p", config=_config(tmp_path, allow_private=True),
                       archive=tmp_path / "ar")
    finally:
        s.stop()
    assert r.returncode == 0, r.stderr
    [out] = json_lines(r.stdout)
    assert [f["reason"] for f in out["images_failed"]] == [
        "connection refused", "connection refused (the host failed earlier in this run)"]
