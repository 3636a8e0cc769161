"""socks5h for real: Debian's microsocks in front of a local site, `mirror add`
under `strace -f`. Every connection of the process must go to the proxy and no
host name may be resolved locally (no /etc/hosts, resolv.conf or DNS socket)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time

import pytest

from conftest import json_lines, needs_tools, run_mirror
from sitekit import Site, article, free_port, png

pytestmark = [
    needs_tools("microsocks", "strace"),
]

CONNECT = re.compile(r"connect\(\d+, \{sa_family=(AF_INET6?|AF_UNIX)(.*?)\}")
INET_PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
RESOLVER_FILES = ("/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/gai.conf")


@pytest.fixture(scope="module")
def site():
    s = Site()
    # Origin mode: the Host header carries the name the client asked for.
    s.html("http://localhost/story", article("Through the proxy", extra='<img src="/i/a.png" alt="a">'))
    s.image("http://localhost/i/a.png", png(20, 20))
    s.html("http://localhost/other", article("Second story"))
    s.port = s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def socks():
    port = free_port()
    proc = subprocess.Popen(["microsocks", "-i", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("microsocks did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=5)


def traced_add(tmp_path, *args):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[fetch]\nallow_private = true\nper_host_delay = 0.0\nretries = 0\ntimeout = 10\n")
    log = tmp_path / "strace.log"
    r = run_mirror("add", "--json", *args, config=cfg, archive=tmp_path / "ar",
                   wrap=("strace", "-f", "-qq", "-e", "trace=connect,openat", "-o", str(log)))
    trace = log.read_text()
    connects = [(fam, rest) for fam, rest in CONNECT.findall(trace)]
    resolver_opens = [line for line in trace.splitlines() if "openat(" in line
                      and any(f'"{f}"' in line for f in RESOLVER_FILES) and "ENOENT" not in line]
    return r, connects, resolver_opens


def test_pages_and_images_go_through_socks5h_and_nothing_else_connects(site, socks, tmp_path):
    site.clear()
    urls = [f"http://localhost:{site.port}/story", f"http://localhost:{site.port}/other"]
    r, connects, resolver_opens = traced_add(tmp_path, "--proxy", f"socks5h://127.0.0.1:{socks}", *urls)
    assert r.returncode == 0, r.stderr
    assert [o["ok"] for o in json_lines(r.stdout)] == [True, True]
    assert {o["url"]: o["images"] for o in json_lines(r.stdout)}[urls[0]] == 1
    # The site saw the page, its image and the second page...
    assert sorted(h.path for h in site.hits) == ["/i/a.png", "/other", "/story"]
    # ...but the mirror process itself only ever connected to the proxy.
    inet = [rest for fam, rest in connects if fam in ("AF_INET", "AF_INET6")]
    assert inet, "strace saw no connection at all"
    assert all(INET_PORT.search(rest).group(1) == str(socks) for rest in inet), inet
    assert not [rest for fam, rest in connects if fam == "AF_UNIX" and ("nscd" in rest or "resolve" in rest)]
    assert resolver_opens == []  # "localhost" was resolved by the proxy, not by us


def test_the_trace_does_see_a_direct_connection(site, tmp_path):
    """Control: without the proxy the same check fails, so it can fail."""
    r, connects, resolver_opens = traced_add(tmp_path, f"http://localhost:{site.port}/other")
    assert r.returncode == 0, r.stderr
    ports = {m.group(1) for fam, rest in connects if (m := INET_PORT.search(rest))}
    assert str(site.port) in ports
    assert resolver_opens, "a local name lookup reads the resolver configuration"


def test_dead_proxy_is_a_network_error(site, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[fetch]\nallow_private = true\nretries = 0\ntimeout = 3\n")
    r = run_mirror("add", "--proxy", f"socks5h://127.0.0.1:{free_port()}", f"http://localhost:{site.port}/story",
                   config=cfg, archive=tmp_path / "ar", timeout=60)
    assert r.returncode == 3
    assert r.stderr.splitlines()[0].endswith(": proxy failed (connection refused)"), r.stderr
    assert "Traceback" not in r.stderr


def test_headers_dripped_through_socks5h_are_cut_at_the_response_bound(site, socks):
    """The header bound lives in the connection classes; the SOCKS ones have it too."""
    import threading

    from mirror.config import FetchConfig
    from mirror.errors import NetworkError
    from mirror.fetch import Fetcher

    stop = threading.Event()
    sent = {"bytes": 0}

    def drip(h):
        h.close_connection = True
        try:
            h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            while not stop.is_set():
                h.wfile.write(b"0")
                h.wfile.flush()
                sent["bytes"] += 1
                stop.wait(0.3)
        except OSError:
            pass

    site.add("http://localhost/drip", drip)
    cfg = FetchConfig(timeout=5.0, response_timeout=1.2, retries=2, per_host_delay=0.0, allow_private=True)
    try:
        with Fetcher(cfg, proxy=f"socks5h://127.0.0.1:{socks}") as f, pytest.raises(NetworkError) as e:
            f.page(f"http://localhost:{site.port}/drip")
    finally:
        stop.set()
    assert str(e.value) == "timed out"
    assert 1 <= sent["bytes"] < 100, sent  # 100 bytes would be 30 s of dripping
