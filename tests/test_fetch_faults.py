"""Network faults: each URL fails alone with a clear one-line reason, the batch
goes on, and the exit code is 3. Run through the real CLI against a local server."""

from __future__ import annotations

import json
import threading
import time

import pytest

from conftest import ensure_archive, json_lines, mirror_argv, run_mirror
from mirror.config import FetchConfig
from mirror.errors import NetworkError, UsageError
from mirror.fetch import MAX_RETRY_AFTER, Fetcher, _Retry, choose_proxy
from sitekit import Reply, Site, article, free_port, reset_connection

CAP = 1_000_000


def _slow(handler):
    time.sleep(3)
    handler._send(Reply(article("Too late").encode()))


def _flaky_factory():
    calls = {"n": 0}

    def flaky(handler):
        calls["n"] += 1
        if calls["n"] == 1:
            handler._send(Reply(b"busy", 500, content_type="text/plain"))
        else:
            handler._send(Reply(article("Second time lucky").encode()))

    return flaky, calls


def _stream_huge(sent: dict):
    def handler(h):
        # No Content-Length: the size is only known by reading, so the cap must act while streaming.
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Connection", "close")
        h.end_headers()
        block = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        sent["bytes"] = 0
        try:
            while sent["bytes"] < 50 * 1024 * 1024:
                h.wfile.write(block)
                sent["bytes"] += len(block)
        except OSError:
            pass
        h.close_connection = True
    return handler


def _huge_declared(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(50 * 1024 * 1024))
    h.end_headers()
    try:
        h.wfile.write(b"<html>" + b" " * 65536)
    except OSError:
        pass
    h.close_connection = True


def _gzip_bomb():
    import gzip
    body = gzip.compress(b"<html>" + b"\0" * (50 * 1024 * 1024), compresslevel=9)
    return Reply(body, headers={"Content-Encoding": "gzip"}, content_type="text/html")


@pytest.fixture(scope="module")
def site():
    s = Site()
    flaky, calls = _flaky_factory()
    sent: dict = {}
    s.add("http://*/good", Reply(article("All is well").encode()))
    s.add("http://*/slow", _slow)
    s.add("http://*/flaky", flaky)
    s.add("http://*/reset", reset_connection)
    s.add("http://*/huge", _stream_huge(sent))
    s.add("http://*/huge-declared", _huge_declared)
    s.add("http://*/loop1", Reply(b"", 302, {"Location": "/loop2"}))
    s.add("http://*/loop2", Reply(b"", 301, {"Location": "/loop1"}))
    for i in range(12):
        s.add(f"http://*/chain{i}", Reply(b"", 302, {"Location": f"/chain{i + 1}"}))
    s.add("http://*/bomb", _gzip_bomb())
    s.add("http://*/pdf", Reply(b"%PDF-1.7\n...", content_type="application/pdf"))
    s.add("http://*/missing", Reply(b"gone", 404, content_type="text/plain"))
    s.add("http://*/busy", Reply(b"slow down", 429, {"Retry-After": "0"}, content_type="text/plain"))
    port = s.start()
    s.base = f"http://127.0.0.1:{port}"
    s.flaky_calls = calls
    s.huge_sent = sent
    yield s
    s.stop()


@pytest.fixture
def cfgfile(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text(f"[fetch]\nallow_private = true\ntimeout = 0.6\nretries = 2\nbackoff = 0.0\nper_host_delay = 0.0\n"
                 f"max_redirects = 5\nmax_page_bytes = {CAP}\n")
    return p


def run(args, cfgfile, tmp_path, timeout=60):
    return run_mirror(*args, config=cfgfile, archive=tmp_path / "ar", timeout=timeout)


def test_each_fault_is_a_clear_per_url_error_and_the_batch_continues(site, cfgfile, tmp_path):
    b = site.base
    expect = {
        f"{b}/slow": "timed out",
        f"{b}/reset": "connection reset",
        f"{b}/huge": f"too large (> {CAP} bytes)",
        f"{b}/huge-declared": f"too large (> {CAP} bytes)",
        f"{b}/bomb": f"too large (> {CAP} bytes)",  # 50 KB on the wire, 50 MB decoded
        f"{b}/loop1": "redirect loop",
        f"{b}/chain0": "too many redirects (> 5)",
        f"{b}/pdf": "not HTML (application/pdf)",
        f"{b}/missing": "HTTP 404",
        f"{b}/busy": "HTTP 429",
        f"http://127.0.0.1:{free_port()}/closed": "connection refused",
    }
    good = [f"{b}/good", f"{b}/flaky"]
    t0 = time.monotonic()
    r = run(["add", "--json", "--jobs", "4", *expect, *good], cfgfile, tmp_path)
    elapsed = time.monotonic() - t0
    assert r.returncode == 3, r.stderr
    assert "Traceback" not in r.stderr
    out = {o["url"]: o for o in json_lines(r.stdout)}
    assert sorted(out) == sorted([*expect, *good])  # one record each, in completion order
    for url, reason in expect.items():
        assert out[url]["ok"] is False and out[url]["error"] == reason, (url, out[url])
        assert out[url]["id"] is None
        assert f"mirror: {url}: {reason}" in r.stderr.splitlines()
    for url in good:
        assert out[url]["ok"] is True and out[url]["error"] is None and out[url]["version"] == 1
        assert out[url]["created"] is True and len(out[url]["id"]) == 16
    assert out[f"{b}/flaky"]["title"] == "Second time lucky"
    assert site.flaky_calls["n"] == 2  # the 500 was retried once, then it worked
    assert site.huge_sent["bytes"] < 50 * 1024 * 1024  # we hung up early
    assert r.stderr.strip().splitlines()[-1] == f"mirror: error: {len(expect)} of {len(expect) + 2} failed"
    assert elapsed < 30

    listed = json.loads(run(["ls", "--json"], cfgfile, tmp_path).stdout)
    assert sorted(s["title"] for s in listed) == ["All is well", "Second time lucky"]


def test_text_output_and_exit_zero_when_all_succeed(site, cfgfile, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# my list\n{site.base}/good?utm_source=rss\n\n{site.base}/good\n")
    site.clear()
    r = run(["add", "--from-file", str(urls)], cfgfile, tmp_path)
    assert site.urls() == ["http://127.0.0.1/good"]  # one article, one fetch
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and all("All is well" in line for line in lines)
    assert "(unchanged)" in lines[1]  # same canonical URL, same content: no new version
    assert r.stderr == ""  # not a terminal: no progress bar


def test_usage_errors(site, cfgfile, tmp_path):
    r = run(["add"], cfgfile, tmp_path)
    assert r.returncode == 1 and r.stderr.strip() == "mirror: error: no URL given (pass URLs, --from-file F, or --resume)"
    r = run(["add", "--proxy", "socks5://127.0.0.1:9050", f"{site.base}/good"], cfgfile, tmp_path)
    assert r.returncode == 1 and "leaks" in r.stderr and "Traceback" not in r.stderr
    r = run(["add", "--json", "ftp://x.example/a", f"{site.base}/good"], cfgfile, tmp_path)
    assert r.returncode == 1
    assert sorted(o["ok"] for o in json_lines(r.stdout)) == [False, True]


def test_choose_proxy():
    assert choose_proxy(None, True) == "socks5h://127.0.0.1:9050"
    assert choose_proxy("http://10.0.0.1:3128", False, "socks5h://x:1") == "http://10.0.0.1:3128"
    assert choose_proxy(None, False, "socks5h://proxy.example:1080") == "socks5h://proxy.example:1080"
    assert choose_proxy(None, False, "") == ""
    for bad in ("socks5://127.0.0.1:9050", "socks4://h:1", "gopher://h:1", "socks5h://nohost", "http://h:port"):
        with pytest.raises(UsageError):
            choose_proxy(bad, False)
    with pytest.raises(UsageError):
        choose_proxy("http://h:1", True)


def test_one_request_at_a_time_per_host_with_delay(site):
    cfg = FetchConfig(timeout=5, retries=0, per_host_delay=0.3, allow_private=True)
    site.clear()
    with Fetcher(cfg, jobs=4) as f:
        threads = [threading.Thread(target=f.page, args=(f"{site.base}/good",)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    times = sorted(h.t for h in site.hits if h.path == "/good")
    assert len(times) == 4
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.28, gaps


def test_image_type_checks(site):
    site.add("http://*/fake.png", Reply(b"<html><script>x</script></html>", content_type="text/html"))
    site.add("http://*/pic.svg", Reply(b"<svg onload='alert(1)'/>", content_type="image/svg+xml"))
    with Fetcher(FetchConfig(timeout=5, retries=0, per_host_delay=0, allow_private=True)) as f:
        with pytest.raises(NetworkError, match=r"^not an image \(text/html\)$"):
            f.image(f"{site.base}/fake.png")
        with pytest.raises(NetworkError, match="SVG"):
            f.image(f"{site.base}/pic.svg")


def test_allow_hook_sees_every_redirect_hop(site):
    seen = []

    class Confined(Fetcher):
        def allow(self, url):
            seen.append(url)
            if url.endswith("/chain2"):
                raise NetworkError("refused")

    with Confined(FetchConfig(timeout=5, retries=0, per_host_delay=0, allow_private=True)) as f:
        with pytest.raises(NetworkError, match="^refused$"):
            f.page(f"{site.base}/chain0")
    assert seen == [f"{site.base}/chain0", f"{site.base}/chain1", f"{site.base}/chain2"]


def test_progress_bar_only_on_a_terminal(site, cfgfile, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    exe, *argv = mirror_argv("add", f"{site.base}/good", f"{site.base}/missing", config=cfgfile,
                             archive=ensure_archive(tmp_path / "ar"))
    child = pexpect.spawn(exe, argv, encoding="utf-8", timeout=60)
    out = child.read()
    child.close()
    assert child.exitstatus == 3
    assert "2/2" in out and "[" + "#" * 28 + "]" in out
    assert f"mirror: {site.base}/missing: HTTP 404" in out


def test_retry_after_is_capped():
    class R:
        headers = {"Retry-After": "86400"}
    assert _Retry(total=1).get_retry_after(R()) == MAX_RETRY_AFTER
