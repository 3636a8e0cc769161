"""Fetch policy: a wall-clock bound on every response, enforced while reading, and
the redirect rule (no https -> http downgrade, no credentials sent or stored).

The drip tests (body, status line, headers; direct and through a proxy) count the bytes a local server managed to send before we hung up:
a bound checked only between reads lets a byte-at-a-time server go on for hours."""

from __future__ import annotations

import json
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import json_lines, run_mirror
from mirror.config import FetchConfig
from mirror.errors import NetworkError
from mirror.fetch import Fetcher, next_hop, strip_userinfo
from sitekit import Reply, Site, article

DRIP = 0.3  # seconds between bytes
BOUND = 1.2  # the response_timeout under test
HANG_GUARD = 60.0  # seconds: only so a regression fails instead of hanging the suite
# The server drips forever and every byte arrives well inside the 5 s read
# timeout, so only the response bound can end the fetch. The tests assert it
# ended with "timed out" and long before the hang guard, not how close to
# BOUND it came: that would depend on how loaded the machine is.
CUT_BEFORE = HANG_GUARD / 2 / DRIP  # bytes the server sends in half the guard's time


# -- the drip server -----------------------------------------------------------


def _dripper(kind: str, sent: dict, stop: threading.Event):
    """Headers at once, then one byte every DRIP seconds until the client hangs up
    or the test ends. `kind`: a declared length, a chunk-size line that never ends
    (a readline inside the HTTP client), or an unframed body ended by close."""
    def handler(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if kind == "length":
            h.send_header("Content-Length", "100000")
        elif kind == "chunked":
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        byte = b"0" if kind == "chunked" else b"x"
        try:
            while not stop.is_set():
                h.wfile.write(byte)
                h.wfile.flush()
                sent["bytes"] += 1
                stop.wait(DRIP)
        except OSError:
            pass
        h.close_connection = True
    return handler


def _header_dripper(kind: str, sent: dict, stop: threading.Event):
    """The status line or the headers, one byte (`status`, `header`) or one short
    header line (`lines`) every DRIP seconds: each within the read timeout."""
    def handler(h):
        h.close_connection = True
        head = {"status": b"HTTP/1.1 2", "header": b"HTTP/1.1 200 OK\r\nX-Drip: ",
                "lines": b"HTTP/1.1 200 OK\r\n"}[kind]
        unit = b"X-Drip: 1\r\n" if kind == "lines" else b"0"
        try:
            h.wfile.write(head)
            while not stop.is_set():
                h.wfile.write(unit)
                h.wfile.flush()
                sent["bytes"] += 1
                stop.wait(DRIP)
        except OSError:
            pass
    return handler


@pytest.fixture
def drip_site():
    stop = threading.Event()
    sent = {"bytes": 0}
    s = Site()
    for kind in ("length", "chunked", "close"):
        s.add(f"http://*/drip-{kind}", _dripper(kind, sent, stop))
    for kind in ("status", "header", "lines"):
        s.add(f"http://*/drip-{kind}", _header_dripper(kind, sent, stop))
    s.base = f"http://127.0.0.1:{s.start()}"
    s.sent, s.stop_drip = sent, stop
    yield s
    stop.set()
    s.stop()


def _cfg(**kw) -> FetchConfig:
    return FetchConfig(**{"timeout": 5.0, "response_timeout": BOUND, "retries": 0, "per_host_delay": 0.0,
                          "allow_private": True, **kw})


@pytest.mark.parametrize("kind, proxied", [
    ("length", False), ("chunked", False), ("close", False),
    ("status", False), ("header", False), ("lines", False),  # before the body: the status line, the headers
    ("header", True),  # the same through an HTTP proxy (the local site is one too)
])
def test_a_dripping_response_is_cut_at_the_bound(drip_site, kind, proxied):
    # The read timeout (5 s) never fires: every byte comes well within it. Retries
    # are on: a cut response is not asked for again.
    result: dict = {}
    proxy = drip_site.base if proxied else ""
    url = f"http://drip.example/drip-{kind}" if proxied else f"{drip_site.base}/drip-{kind}"

    def fetch():
        try:
            with Fetcher(_cfg(retries=2), proxy=proxy) as f:
                result["ok"] = f.page(url)
        except NetworkError as e:
            result["error"] = e

    t = threading.Thread(target=fetch, daemon=True)
    t.start()
    t.join(HANG_GUARD)
    sent = drip_site.sent["bytes"]
    drip_site.stop_drip.set()
    t.join(HANG_GUARD)
    assert "ok" not in result  # a cut body is never returned as if whole (not even an unframed one)
    err = result.get("error")
    assert isinstance(err, NetworkError) and str(err) == "timed out" and err.exit_code == 3
    assert 1 <= sent < CUT_BEFORE, sent
    assert len(drip_site.hits) == 1


def test_the_cli_reports_a_drip_as_timed_out_and_exits_3(drip_site, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[fetch]\nallow_private = true\ntimeout = 5.0\nresponse_timeout = {BOUND}\nretries = 0\nper_host_delay = 0.0\n")
    url = f"{drip_site.base}/drip-close"
    r = run_mirror("add", "--json", url, config=cfg, archive=tmp_path / "ar", timeout=HANG_GUARD)
    sent = drip_site.sent["bytes"]
    assert r.returncode == 3, r.stderr
    assert "Traceback" not in r.stderr
    assert f"mirror: {url}: timed out" in r.stderr.splitlines()
    [out] = json_lines(r.stdout)
    assert out["ok"] is False and out["error"] == "timed out" and out["id"] is None
    assert 1 <= sent < CUT_BEFORE, sent


# -- the redirect rule, as a pure function -----------------------------------------


@pytest.mark.parametrize("current, location, expected", [
    ("https://news.example/a/b", "c", "https://news.example/a/c"),
    ("https://news.example/a/b", "/x?y=1", "https://news.example/x?y=1"),
    ("https://news.example/a", "//cdn.example/p", "https://cdn.example/p"),  # scheme-relative keeps https
    ("https://news.example/a", "https://other.example/p", "https://other.example/p"),
    ("http://news.example/a", "https://news.example/a", "https://news.example/a"),  # upgrade
    ("http://news.example/a", "http://other.example/p", "http://other.example/p"),
    ("http://news.example/a", "  /padded  ", "http://news.example/padded"),
    ("http://news.example/a", "http://user:pw@news.example/p", "http://news.example/p"),
    ("http://news.example/a", "http://user@news.example:8080/p", "http://news.example:8080/p"),
    ("http://news.example/a", "http://a@b:c@news.example/p", "http://news.example/p"),  # last @ ends userinfo
    ("https://news.example/a", "//u:p@cdn.example/p", "https://cdn.example/p"),
    ("http://news.example/a", "http://u:p@[2001:db8::1]:81/p", "http://[2001:db8::1]:81/p"),
    ("http://u:p@news.example/a", "/next", "http://news.example/next"),  # nor inherited from the current URL
])
def test_next_hop_follows(current, location, expected):
    assert next_hop(current, location) == expected


@pytest.mark.parametrize("current, location", [
    ("https://news.example/a", "http://news.example/a"),
    ("https://news.example/a", "HTTP://news.example/a"),
    ("HTTPS://news.example/a", "http://other.example/p"),
    ("https://news.example/a", "http://u:p@news.example/a"),
])
def test_next_hop_refuses_a_downgrade_naming_both_urls(current, location):
    with pytest.raises(NetworkError) as e:
        next_hop(current, location)
    msg = str(e.value)
    assert "downgrade" in msg and "\n" not in msg
    assert strip_userinfo(current) in msg
    assert strip_userinfo(location.replace("HTTP://", "http://")).lower() in msg.lower()
    assert "u:p" not in msg and e.value.exit_code == 3


@pytest.mark.parametrize("location", ["", "   ", "javascript:alert(1)", "ftp://news.example/f",
                                      "data:text/html,x", "file:///etc/passwd", "http://[::1"])
def test_next_hop_refuses_what_is_not_a_web_url(location):
    with pytest.raises(NetworkError):
        next_hop("http://news.example/a", location)


@given(st.sampled_from(["http://news.example/a/b", "https://news.example/a/b", "https://u:p@news.example/"]),
       st.text(max_size=80))
def test_next_hop_never_yields_credentials_or_a_downgrade(current, location):
    """Any Location a server may send: a clean http(s) URL, or a NetworkError."""
    try:
        nxt = next_hop(current, location)
    except NetworkError as e:
        assert "\n" not in str(e)
        return
    assert nxt.startswith(("http://", "https://"))
    assert "@" not in nxt.split("//", 1)[1].split("/", 1)[0]
    if current.startswith("https:"):
        assert nxt.startswith("https://")


def test_strip_userinfo():
    assert strip_userinfo("https://u:p@news.example:8443/a@b?c=@#@") == "https://news.example:8443/a@b?c=@#@"
    assert strip_userinfo("https://news.example/a?mail=x@y") == "https://news.example/a?mail=x@y"


# -- the rule at work ------------------------------------------------------------


@pytest.fixture
def redirect_site():
    s = Site()
    port = s.start()
    s.base = f"http://127.0.0.1:{port}"
    s.add("http://*/start", Reply(b"", 302, {"Location": f"http://user:pw@127.0.0.1:{port}/dest"}))
    s.add("http://*/dest", Reply(article("Landed").encode()))
    yield s
    s.stop()


def test_redirect_userinfo_is_neither_sent_nor_stored(redirect_site):
    with Fetcher(_cfg(response_timeout=30.0)) as f:
        got = f.page(f"{redirect_site.base}/start")
    assert got.url == got.fetched_url == f"{redirect_site.base}/dest"
    assert b"Landed" in got.body
    assert [h.path for h in redirect_site.hits] == ["/start", "/dest"]
    for hit in redirect_site.hits:
        assert not {k.lower() for k in hit.headers} & {"authorization", "proxy-authorization", "cookie"}


def test_userinfo_in_a_given_url_is_never_sent_as_authorization(redirect_site):
    port = redirect_site.base.rsplit(":", 1)[1]
    with Fetcher(_cfg(response_timeout=30.0)) as f:
        got = f.page(f"http://me:secret@127.0.0.1:{port}/dest")
    assert "secret" not in got.url and "@" not in got.url
    [hit] = redirect_site.hits
    assert "authorization" not in {k.lower() for k in hit.headers}


class _Redirect:
    """A 302 as `requests` returns it, for a scheme no local server here speaks (https)."""

    is_redirect = True

    def __init__(self, location: str):
        self.headers = {"Location": location}

    def close(self) -> None:
        pass


def test_fetcher_refuses_an_https_to_http_redirect(monkeypatch):
    asked: list[str] = []

    def send(self, target, headers, deadline):
        asked.append(target)
        return _Redirect("http://news.example/plain")

    monkeypatch.setattr(Fetcher, "_send", send)
    with Fetcher(_cfg()) as f, pytest.raises(NetworkError) as e:
        f.page("https://news.example/story")
    assert asked == ["https://news.example/story"]  # the http target was never requested
    assert "https://news.example/story" in str(e.value) and "http://news.example/plain" in str(e.value)
