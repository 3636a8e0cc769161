"""`add` remembers what it was asked to do: `add --resume` finishes a batch that
was killed or failed on the network; a page fetched within fetch.refetch_after
is not fetched again unless --refresh, and a refresh is a conditional GET
(never through a proxy, where a server-chosen ETag would link two visits)."""

from __future__ import annotations

import signal
import subprocess
import threading

import pytest

from conftest import ensure_archive, json_lines, mirror_argv, open_archive, run_mirror

from sitekit import Reply, Site, article
from test_cli_interrupt import HANG_GUARD, wait_for


@pytest.fixture
def site():
    s = Site()
    s.hang = threading.Event()
    release = threading.Event()

    def maybe_hang(handler):
        if s.hang.is_set():
            release.wait(60)
        handler._send(Reply(article("Came back").encode()))

    def etagged(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.send_header("ETag", '"v1"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler._send(Reply(article("Tagged").encode(), headers={"ETag": '"v1"'}))

    s.busy = True

    def flaky(handler):
        if s.busy:
            handler._send(Reply(b"busy", 503, content_type="text/plain"))
        else:
            handler._send(Reply(article("Not busy now").encode()))

    for i in range(2):
        s.html(f"http://*/quick/{i}", article(f"Quick {i}"))
    s.add("http://*/later", maybe_hang)
    s.add("http://*/tagged", etagged)
    s.add("http://*/flaky", flaky)
    port = s.start()
    s.base = f"http://127.0.0.1:{port}"
    yield s
    release.set()
    s.stop()


@pytest.fixture
def cfg(tmp_path):
    c = tmp_path / "c.toml"
    c.write_text("[fetch]\nper_host_delay = 0.0\nretries = 0\ntimeout = 60.0\n")
    return c


def titles(archive) -> list[str]:
    with open_archive(archive) as ar:
        return sorted(s.title for s in ar.list())


def test_resume_finishes_a_killed_batch(site, cfg, tmp_path):
    ar = tmp_path / "ar"
    site.hang.set()
    ensure_archive(ar)
    urls = [f"{site.base}/quick/0", f"{site.base}/quick/1", f"{site.base}/later"]
    log = tmp_path / "log"
    with open(log, "w") as out:
        p = subprocess.Popen(mirror_argv("add", "--jobs", "1", *urls, config=cfg, archive=ar),
                             stdout=out, stderr=subprocess.DEVNULL)
    wait_for(lambda: any("/later" in u for u in site.urls()), "the last fetch")
    wait_for(lambda: len(log.read_text().splitlines()) == 2, "the two quick ones stored")
    p.send_signal(signal.SIGKILL)
    p.wait(HANG_GUARD)
    assert titles(ar) == ["Quick 0", "Quick 1"]
    site.hang.clear()
    site.clear()
    r = run_mirror("add", "--resume", "--json", config=cfg, archive=ar)
    assert r.returncode == 0, r.stderr
    assert [o["url"] for o in json_lines(r.stdout)] == [f"{site.base}/later"]
    assert site.urls() == ["http://127.0.0.1/later"]  # only what was left
    assert titles(ar) == ["Came back", "Quick 0", "Quick 1"]
    r = run_mirror("add", "--resume", config=cfg, archive=ar)
    assert r.returncode == 1 and "nothing to resume" in r.stderr


def test_resume_retries_network_failures_and_forgets_hopeless_ones(site, cfg, tmp_path):
    ar = tmp_path / "ar"
    r = run_mirror("add", f"{site.base}/flaky", "ftp://not.web/x", config=cfg, archive=ar)
    assert r.returncode == 3 and "HTTP 503" in r.stderr
    site.busy = False
    r = run_mirror("add", "--resume", "--json", config=cfg, archive=ar)
    assert r.returncode == 0, r.stderr
    assert [o["url"] for o in json_lines(r.stdout)] == [f"{site.base}/flaky"]  # not the ftp:// one again
    assert titles(ar) == ["Not busy now"]


def test_a_recent_page_is_not_fetched_again_unless_refresh_which_is_conditional(site, cfg, tmp_path):
    ar, url = tmp_path / "ar", f"{site.base}/tagged"
    assert run_mirror("add", url, config=cfg, archive=ar).returncode == 0
    site.clear()
    r = run_mirror("add", url, config=cfg, archive=ar)
    assert r.returncode == 0 and site.hits == []
    assert "Tagged" in r.stdout and "--refresh fetches it again" in r.stdout
    r = run_mirror("add", "--refresh", "--json", url, config=cfg, archive=ar)
    assert r.returncode == 0, r.stderr
    [o] = json_lines(r.stdout)
    assert o["ok"] and o["note"] == "not modified" and o["version"] == 1 and o["title"] == "Tagged"
    [hit] = site.hits
    assert hit.headers.get("If-None-Match") == '"v1"'
    # Through a proxy no validator is sent (nor kept): the server could link the two visits by it.
    site.clear()
    r = run_mirror("add", "--refresh", "--proxy", f"http://127.0.0.1:{site.server.server_port}",
                   "http://news.example/tagged", config=cfg, archive=ar)
    assert r.returncode == 0, r.stderr
    [hit] = site.hits
    assert hit.proxied and "If-None-Match" not in hit.headers and "If-Modified-Since" not in hit.headers
    r = run_mirror("add", "--refresh", "--proxy", f"http://127.0.0.1:{site.server.server_port}",
                   "http://news.example/tagged", config=cfg, archive=ar)
    assert "If-None-Match" not in site.hits[-1].headers


def test_refetch_after_zero_always_fetches(site, tmp_path):
    c = tmp_path / "c.toml"
    c.write_text("[fetch]\nper_host_delay = 0.0\nretries = 0\nrefetch_after = 0.0\n")
    url = f"{site.base}/quick/0"
    assert run_mirror("add", url, config=c, archive=tmp_path / "ar").returncode == 0
    site.clear()
    assert run_mirror("add", url, config=c, archive=tmp_path / "ar").returncode == 0
    assert len(site.hits) == 1


def test_add_dash_reads_urls_from_stdin(site, cfg, tmp_path):
    r = run_mirror("add", "-", "--json", config=cfg, archive=tmp_path / "ar",
                   input=f"{site.base}/quick/0\n# a comment\n\n{site.base}/quick/1\n")
    assert r.returncode == 0, r.stderr
    assert sorted(o["url"] for o in json_lines(r.stdout)) == [f"{site.base}/quick/0", f"{site.base}/quick/1"]
