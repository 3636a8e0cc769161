"""A local web site for pipeline tests that records every request it gets.

It answers both as an origin server and as a plain HTTP forward proxy
(`GET http://host/path`), so a test can serve pages for any host name
(`news.example`, `tracker.example`, ...) and assert exactly which URLs of
which hosts were asked for, with which headers.
"""

from __future__ import annotations

import http.server
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    """A valid RGB PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


STORY = ("The river rose again this week, and the town council met late on Tuesday to decide what "
         "to do about the old stone bridge that has stood since 1894. ")


def article(title: str, paras: int = 4, extra: str = "", head: str = "", lang: str = "en",
            text: str = STORY) -> str:
    """A plain news page the extractor recognises: head, header, article, footer."""
    body = "".join(f"<p>{text * 2}Paragraph {i + 1}.</p>\n" for i in range(paras))
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Daily</title>'
            f'{head}</head><body><header><nav><a href="/">Home</a></nav></header>'
            f'<article><h1>{title}</h1><p class="byline">By Jane Roe</p>{body}{extra}</article>'
            f'<footer>Copyright Daily</footer></body></html>')


PIXEL_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
             b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


@dataclass
class Hit:
    host: str
    path: str  # with query
    headers: dict[str, str]
    proxied: bool
    t: float = 0.0  # time.monotonic() when it arrived

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"


Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


class Site:
    """Routes keyed by (host, path); a route is a Reply or a raw handler."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Reply | Handler] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self.server: http.server.ThreadingHTTPServer | None = None

    # -- routing ---------------------------------------------------------------

    def add(self, url: str, reply: Reply | Handler) -> None:
        u = urlsplit(url)
        self.routes[(u.hostname or "", u.path + (f"?{u.query}" if u.query else ""))] = reply

    def html(self, url: str, body: str | bytes, charset: str = "utf-8", **headers: str) -> None:
        data = body.encode(charset) if isinstance(body, str) else body
        self.add(url, Reply(data, headers=headers, content_type=f"text/html; charset={charset}"))

    def image(self, url: str, data: bytes, mime: str = "image/png") -> None:
        self.add(url, Reply(data, content_type=mime))

    # -- inspection ------------------------------------------------------------

    def urls(self) -> list[str]:
        with self._lock:
            return [h.url for h in self.hits]

    def clear(self) -> None:
        with self._lock:
            self.hits.clear()

    # -- serving -----------------------------------------------------------------

    def start(self, host: str = "127.0.0.1") -> int:
        site = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else delayed ACKs add 40 ms per response

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                proxied = self.path.startswith("http://")
                if proxied:
                    u = urlsplit(self.path)
                    hostname, path = u.hostname or "", u.path + (f"?{u.query}" if u.query else "")
                else:
                    hostname = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                    path = self.path
                with site._lock:
                    site.hits.append(Hit(hostname, path, {k: v for k, v in self.headers.items()}, proxied,
                                         time.monotonic()))
                route = site.routes.get((hostname, path)) or site.routes.get(("*", path))
                if route is None:
                    self._send(Reply(b"not found", 404, content_type="text/plain"))
                elif isinstance(route, Reply):
                    self._send(route)
                else:
                    route(self)

            def _send(self, r: Reply) -> None:
                self.send_response(r.status)
                self.send_header("Content-Type", r.content_type)
                self.send_header("Content-Length", str(len(r.body)))
                for k, v in r.headers.items():
                    self.send_header(k.replace("_", "-"), v)
                self.end_headers()
                self.wfile.write(r.body)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):  # client hung up: expected in fault tests
                pass

        self.server = Server((host, 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def reset_connection(handler: http.server.BaseHTTPRequestHandler) -> None:
    """Close with RST (SO_LINGER 0) before sending anything."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def open_pages(paths: list[Path]) -> list:
    """Open each page in one headless Chromium (launched once) and report what it
    tried: requests at page and context level, dialogs, page scripts, images."""
    from playwright.sync_api import sync_playwright

    from browserutil import ARGS, CHROMIUM, PageReport

    reports = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for path in paths:
                rep, url = PageReport(), path.resolve().as_uri()
                ctx = browser.new_context()
                ctx.on("request", lambda r, rep=rep, url=url: r.url != url and rep.requests.append(r.url))
                page = ctx.new_page()
                page.on("request", lambda r, rep=rep, url=url: r.url != url and rep.requests.append("page:" + r.url))
                page.on("dialog", lambda d, rep=rep: (rep.dialogs.append(d.message), d.dismiss()))
                page.on("console", lambda m, rep=rep: rep.console.append(m.text))
                page.on("popup", lambda pg, rep=rep: rep.requests.append("popup:" + pg.url))
                page.goto(url, wait_until="load")
                page.wait_for_timeout(300)
                rep.title = page.title()
                rep.images_total = page.evaluate("document.images.length")
                rep.images_loaded = page.evaluate(
                    "Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length")
                rep.text = page.evaluate("document.body ? document.body.innerText : ''")
                if page.evaluate("window.__pwned !== undefined"):
                    rep.console.append("PAGE SCRIPT RAN")
                rep.dir = page.evaluate("getComputedStyle(document.body).direction")
                ctx.close()
                reports.append(rep)
        finally:
            browser.close()
    return reports
