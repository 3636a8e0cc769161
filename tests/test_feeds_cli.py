"""follow + update against a local server: only new entries are fetched, and a
feed that fails does not stop the others."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import json_lines, open_archive, run_mirror

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{t} | Harbour Post</title>
<script src="/track.js"></script></head><body><nav><a href="/">Home</a></nav>
<article><h1>{t}</h1><p>{body}</p><p>{body} Again, with more detail about the court.</p>
<p>The third paragraph explains what the journalists found in the port ledgers.</p></article>
<footer>Copyright</footer></body></html>"""


class Site:
    def __init__(self):
        self.items = ["one", "two"]
        self.requests: list[str] = []
        self.headers: list[dict] = []
        self.feed_type = "application/rss+xml"
        self.status: dict[str, int] = {}  # path -> an error status to answer instead
        site = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                site.requests.append(self.path)
                site.headers.append(dict(self.headers.items()))
                if self.path in site.status:
                    self._send(site.status[self.path], "text/plain", "no")
                elif self.path == "/rss.xml":
                    items = "".join(f"<item><title>{i}</title><link>/a/{i}?utm_source=rss</link></item>"
                                    for i in site.items)
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Post</title>{items}</channel></rss>'
                    tag = f'"{len(site.items)}"'
                    if self.headers.get("If-None-Match") == tag:
                        self.send_response(304)
                        self.send_header("ETag", tag)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self._send(200, site.feed_type, body, {"ETag": tag})
                elif self.path.startswith("/a/"):
                    name = self.path[3:]
                    self._send(200, "text/html; charset=utf-8",
                               ARTICLE.format(t=f"Story {name}", body=f"Reporting on {name} from the harbour. " * 8))
                else:
                    self._send(404, "text/plain", "no")

            def _send(self, code, ctype, body, headers=None):
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()


def run(tmp_path, *args):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[fetch]\nallow_private = true\nper_host_delay = 0.0\nretries = 0\ntimeout = 5.0\n")
    return run_mirror(*args, config=cfg, archive=tmp_path / "ar")


def test_follow_then_update_fetches_only_new_entries(tmp_path, site):
    r = run(tmp_path, "follow", site.base + "/rss.xml")
    assert r.returncode == 0, r.stderr
    assert "Harbour Post" in r.stdout and "2 entries" in r.stdout
    r = run(tmp_path, "update", "--json")
    assert r.returncode == 0, r.stderr
    report = json_lines(r.stdout)
    assert sorted(a["url"] for a in report) == [site.base + "/a/one", site.base + "/a/two"]
    assert all(a["ok"] and a["feed"] == site.base + "/rss.xml" for a in report)
    titles = sorted(i["title"] for i in json.loads(run(tmp_path, "ls", "--json").stdout))
    assert titles == ["Story one", "Story two"]
    assert "/track.js" not in site.requests

    site.items.append("three")
    site.requests.clear()
    r = run(tmp_path, "update", "--json")
    assert r.returncode == 0, r.stderr
    assert [a["url"] for a in json_lines(r.stdout)] == [site.base + "/a/three"]
    assert sorted(site.requests) == ["/a/three", "/rss.xml"]  # de-tracked, nothing refetched


def test_follow_refuses_a_page_that_is_not_a_feed(tmp_path, site):
    r = run(tmp_path, "follow", site.base + "/a/one")
    assert r.returncode != 0 and ("not a feed" in r.stderr or "not an RSS" in r.stderr)
    assert "Traceback" not in r.stderr
    assert run(tmp_path, "update").returncode == 1  # nothing followed


def test_a_dead_feed_is_one_warning_and_the_others_go_on(tmp_path, site):
    assert run(tmp_path, "follow", site.base + "/rss.xml").returncode == 0
    # Follow a second feed on the same server, then make it disappear.
    site.items = ["one"]
    from mirror.store import Archive
    with open_archive(tmp_path / "ar") as ar:
        ar.follow(site.base + "/gone.xml", None, "2026-11-26")
    r = run(tmp_path, "update", "--json")
    assert r.returncode == 0, r.stderr
    report = json_lines(r.stdout)
    assert {"feed": site.base + "/gone.xml", "ok": False, "error": "HTTP 404", "new_error": True} in report
    assert [a["ok"] for a in report if a["feed"] == site.base + "/rss.xml"] == [True]
    assert r.stderr.count("\n") == 1 and f"mirror unfollow {site.base}/gone.xml" in r.stderr
    # ...but when no feed can be read at all, update fails (exit 3: the network).
    assert run(tmp_path, "unfollow", site.base + "/rss.xml").returncode == 0
    assert run(tmp_path, "update").returncode == 3


def test_feeds_lists_and_unfollow_removes(tmp_path, site):
    assert run(tmp_path, "follow", site.base + "/rss.xml").returncode == 0
    assert run(tmp_path, "update").returncode == 0
    r = run(tmp_path, "feeds", "--json")
    assert r.returncode == 0, r.stderr
    [f] = json.loads(r.stdout)
    assert f["url"] == site.base + "/rss.xml" and f["title"] == "Harbour Post" and f["entries"] == 2
    assert f["last_checked"]
    r = run(tmp_path, "feeds")
    assert r.stdout.startswith(site.base + "/rss.xml  Harbour Post  checked ") and "2 entries" in r.stdout
    r = run(tmp_path, "unfollow", site.base + "/rss.xml")
    assert r.returncode == 0, r.stderr
    assert json.loads(run(tmp_path, "feeds", "--json").stdout) == []
    assert len(json.loads(run(tmp_path, "ls", "--json").stdout)) == 2  # the articles stay
    r = run(tmp_path, "unfollow", site.base + "/rss.xml")
    assert r.returncode == 1 and "not following" in r.stderr


@pytest.mark.parametrize("ctype", ["application/x-rss+xml", "text/xml; charset=utf-8", "application/rdf+xml"])
def test_feed_content_types_feedparser_takes(tmp_path, site, ctype):
    site.feed_type = ctype
    r = run(tmp_path, "follow", site.base + "/rss.xml")
    assert r.returncode == 0, r.stderr


def test_update_asks_for_the_feed_conditionally(tmp_path, site):
    assert run(tmp_path, "follow", site.base + "/rss.xml").returncode == 0
    assert run(tmp_path, "update").returncode == 0
    site.requests.clear()
    site.headers.clear()
    r = run(tmp_path, "update", "--json")
    assert r.returncode == 0, r.stderr
    assert site.requests == ["/rss.xml"] and site.headers[0].get("If-None-Match") == '"2"'
    assert json_lines(r.stdout) == []


def _warnings(r) -> list[str]:
    return [ln for ln in r.stderr.splitlines() if "warning: feed" in ln]


def test_a_dead_feed_is_reported_once_and_feeds_shows_its_error(tmp_path, site):
    feed = site.base + "/rss.xml"
    assert run(tmp_path, "follow", feed).returncode == 0
    assert run(tmp_path, "update").returncode == 0
    site.status["/rss.xml"] = 404
    r = run(tmp_path, "update")
    assert r.returncode == 3 and _warnings(r) == [f"mirror: warning: feed {feed}: HTTP 404 "
                                                  f"(`mirror unfollow {feed}` stops following it)"]
    r = run(tmp_path, "update", "--json")  # the same error again: no warning, the record says so
    assert r.returncode == 3 and _warnings(r) == [] and "mirror feeds" in r.stderr
    assert json_lines(r.stdout) == [{"feed": feed, "ok": False, "error": "HTTP 404", "new_error": False}]
    [f] = json.loads(run(tmp_path, "feeds", "--json").stdout)
    assert f["error"] == "HTTP 404" and f["failing_since"]
    assert f"FAILING since {f['failing_since'][:10]}: HTTP 404" in run(tmp_path, "feeds").stdout

    site.status["/rss.xml"] = 410  # a new way of failing is news
    assert _warnings(run(tmp_path, "update")) == [f"mirror: warning: feed {feed}: HTTP 410 "
                                                  f"(`mirror unfollow {feed}` stops following it)"]
    assert _warnings(run(tmp_path, "update")) == []

    del site.status["/rss.xml"]  # it works again: forgotten, and its next death is reported
    assert run(tmp_path, "update").returncode == 0
    [f] = json.loads(run(tmp_path, "feeds", "--json").stdout)
    assert f["error"] is None and "FAILING" not in run(tmp_path, "feeds").stdout
    site.status["/rss.xml"] = 410
    assert len(_warnings(run(tmp_path, "update"))) == 1
