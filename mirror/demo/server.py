"""A local web server for the sample news sites, on 127.0.0.1 and a free port.

The outlets have stable names (`lakeside-courier.example`, ...) so their
article ids are the same in every run; the archiver reaches them by using this
server as its HTTP proxy, which also means that any request for any other host
would land here and be logged, never on the internet. It behaves like a
hostile news site (sets tracking cookies, serves the scripts, stylesheets,
pixels and ads the pages ask for) and logs every request, so the demo can show
what the archiver fetched and everything it never asked for. It only listens
on loopback and never makes a request itself.
"""

from __future__ import annotations

import gzip
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from mirror.demo.samples import FEED, SAMPLES, SITE_HOSTS, read_page

# A 1x1 transparent GIF, the classic tracking pixel.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".png": "image/png"}

# What a request is, by host and path. An archiver needs pages, feeds (and
# their redirects) and article images; HOSTILE_KINDS it must never fetch.
HOSTILE_KINDS = ("script", "stylesheet", "font", "tracker", "ad", "third-party")
LOOPBACK = ("127.0.0.1", "localhost")
COMPRESSIBLE = ("text/", "application/atom+xml")


@dataclass(frozen=True)
class Request:
    method: str
    host: str
    path: str  # path + query
    kind: str  # page, feed, redirect, image, script, stylesheet, font, tracker, ad, third-party, other
    status: int
    user_agent: str
    cookie: str  # the Cookie header the client sent back, if any


def target(raw: str, host_header: str) -> tuple[str, str]:
    """(host, path + query) of a request line in origin form (direct) or
    absolute form (sent to us as a proxy)."""
    if raw.startswith(("http://", "https://")):
        u = urlsplit(raw)
        return (u.hostname or "").lower(), (u.path or "/") + (f"?{u.query}" if u.query else "")
    return host_header.rsplit(":", 1)[0].strip("[]").lower(), raw


def classify(host: str, path: str) -> str:
    p = urlsplit(path).path
    if host not in SITE_HOSTS and host not in LOOPBACK:
        return "third-party"
    if any(p == s.path for s in SAMPLES):
        return "page"
    if p == FEED.path:
        return "feed"
    if p == FEED.redirect:
        return "redirect"
    if p.startswith("/media/"):
        return "image"
    if p.startswith("/ads/"):
        return "ad"
    if p in ("/px.gif", "/collect"):
        return "tracker"
    if p.startswith("/fonts/") or p.endswith((".woff", ".woff2", ".ttf", ".otf")):
        return "font"
    if p.endswith(".js"):
        return "script"
    if p.endswith(".css"):
        return "stylesheet"
    return "other"


class DemoServer:
    """Serve the samples in a background thread. Use as a context manager."""

    def __init__(self) -> None:
        self.edition = 1  # which edition of multi-edition pages is served
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> "DemoServer":
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="mirror-demo-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "DemoServer":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        assert isinstance(host, str), "bound to a str address"  # (an AF_INET server may be given bytes)
        return f"http://{host}:{port}"

    @property
    def proxy(self) -> str:
        """What the archiver uses as its HTTP proxy to reach the sample sites."""
        return self.origin

    # -- log -----------------------------------------------------------------------

    def record(self, req: Request) -> None:
        with self._lock:
            self.log.append(req)

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self.log)

    def counts(self) -> Counter[str]:
        return Counter(r.kind for r in self.requests())

    def hostile(self) -> list[Request]:
        return [r for r in self.requests() if r.kind in HOSTILE_KINDS]

    # -- content -----------------------------------------------------------------

    def respond(self, host: str, path: str) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        """(status, content type, body, extra headers) for a request."""
        p = urlsplit(path).path
        if host not in SITE_HOSTS and host not in LOOPBACK:
            return 502, "text/plain; charset=utf-8", b"the demo proxy reaches the sample sites only\n", []
        for s in SAMPLES:
            if p == s.path and host in (s.host, *LOOPBACK):
                cookie = ("Set-Cookie", f"visitor=demo-{s.host}; Path=/; Max-Age=31536000")
                return 200, s.content_type, read_page(s.file_for(self.edition)), [cookie]
        if p == FEED.path and host in (FEED.host, *LOOPBACK):
            return 200, FEED.content_type, read_page(FEED.file), []
        if p == FEED.redirect and host in (FEED.host, *LOOPBACK):
            return 301, "text/plain; charset=utf-8", b"moved\n", [("Location", FEED.delivers.path)]
        if p in ("/px.gif",):
            return 200, "image/gif", PIXEL, [("Set-Cookie", "uid=tracked; Path=/")]
        if p == "/collect":
            return 204, "text/plain", b"", []
        for prefix, folder in (("/media/", "media/"), ("/ads/", "media/"), ("/static/", "static/")):
            if p.startswith(prefix):
                name = folder + p[len(prefix):]
                ext = name[name.rfind("."):]
                if ext in TYPES:
                    try:
                        return 200, TYPES[ext], read_page(name), []
                    except (OSError, ValueError):
                        break
        return 404, "text/plain; charset=utf-8", b"not found\n", []


def _handler_for(server: DemoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "DemoNews/1.0"
        protocol_version = "HTTP/1.1"

        def _serve(self, body_too: bool) -> None:
            host, path = target(self.path, self.headers.get("Host", ""))
            status, ctype, body, headers = server.respond(host, path)
            server.record(Request(self.command, host, path, classify(host, path), status,
                                  self.headers.get("User-Agent", ""), self.headers.get("Cookie", "")))
            if status == 200 and ctype.startswith(COMPRESSIBLE) and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, mtime=0)  # as real news sites do
                headers = [*headers, ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            if body_too:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            self._serve(True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(False)

        def do_POST(self) -> None:  # noqa: N802
            length = min(int(self.headers.get("Content-Length") or 0), 1 << 16)
            self.rfile.read(length)
            self._serve(True)

        def do_CONNECT(self) -> None:  # noqa: N802 - an https tunnel: never for the demo sites
            host = self.path.rsplit(":", 1)[0].lower()
            server.record(Request("CONNECT", host, self.path, "third-party", 403,
                                  self.headers.get("User-Agent", ""), ""))
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:  # the demo prints its own summary
            pass

    return Handler
