"""The one HTTP session of a run: private, polite and bounded.

Private: the claimed browser's headers (`mirror.browser`), no Referer but an
image's, no cookies kept or sent (not even
from a redirect to the page or from the page to its images), all traffic and
DNS through the proxy when one is set (socks5h), environment proxies and
.netrc ignored. Polite: one request at a time per host with a delay between
them. Bounded: timeouts, a few retries with backoff (urllib3 `Retry`), a
wall-clock bound per response enforced while reading, a redirect limit and
policy (`next_hop`), a size cap enforced while streaming, content-type checks.
Every failure is a `NetworkError` with a short one-line reason.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass
from types import TracebackType
from typing import Callable, Iterator
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from mirror import browser, connections
from mirror.config import FetchConfig
from mirror.connections import Cutoff, os_socket
from mirror.destinations import host_refusal, refused
from mirror.errors import ExtractionError, NetworkError, UsageError
from mirror.urls import from_mirror, host_of, to_mirror, valid_url

TOR_PROXY = "socks5h://127.0.0.1:9050"
PROXY_SCHEMES = ("socks5h", "socks4a", "http", "https")
HTML_TYPES = ("text/html", "application/xhtml+xml")
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0  # a hostile Retry-After must not park a worker for hours
CHUNK = 64 * 1024
UNREACHABLE = ("connection refused", "cannot resolve host name")  # (and a connect timeout)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
              "application/rdf+xml", "application/feed+json", "application/json", "application/x-netcdf",
              "text/html", "text/plain")


class Cancelled(NetworkError):
    """The run was stopped (`Fetcher.cancel`): not a failure of the URL."""


class Unreachable(NetworkError):
    """The host could not be reached at all (refused, no such name, no
    connection in time): its other images are not tried again this run."""


@dataclass(frozen=True)
class Fetched:
    """One response body. `url` is canonical (after redirects, mirror host
    mapped back to the outlet); `fetched_url` is where the bytes came from."""

    url: str
    fetched_url: str
    content_type: str
    charset: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304 to a conditional GET: `body` is empty


def choose_proxy(proxy: str | None, tor: bool, configured: str = "") -> str:
    """--proxy / --tor / config, validated. socks5:// (local DNS) is refused: it
    would tell the local resolver every host we visit."""
    if proxy and tor:
        raise UsageError("--proxy and --tor are mutually exclusive")
    chosen = TOR_PROXY if tor else (proxy or configured or "")
    if not chosen:
        return ""
    try:
        parts = urlsplit(chosen)
        port = parts.port
    except ValueError:
        raise UsageError(f"invalid proxy URL: {chosen}") from None
    scheme = parts.scheme.lower()
    if scheme in ("socks5", "socks4"):
        raise UsageError(f"{scheme}:// resolves host names locally and leaks them; use {scheme}h:// "
                         "or socks4a:// so the proxy resolves names"
                         if scheme == "socks5" else "socks4:// resolves names locally; use socks4a://")
    if scheme not in PROXY_SCHEMES or not parts.hostname or port is None:
        raise UsageError(f"invalid proxy URL {chosen!r}: expected socks5h://host:port or http://host:port")
    return chosen


class _NoCookies(http.cookiejar.CookiePolicy):
    """Refuse to store or return any cookie."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = True

    def set_ok(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: urllib.request.Request) -> bool:
        return False

    def path_return_ok(self, path: str, request: urllib.request.Request) -> bool:
        return False


class _Retry(Retry):
    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


class HostGate:
    """One request at a time per host, `delay` seconds apart (a wait that
    `cancelled` cuts short)."""

    def __init__(self, delay: float, cancelled: threading.Event | None = None):
        self.delay = delay
        self.cancelled = cancelled or threading.Event()
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    @contextlib.contextmanager
    def slot(self, host: str, wait: bool = True) -> Iterator[None]:
        """`wait=False` (a page's images): still one at a time, but no delay."""
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            last = self._last.get(host)
            if last is not None and wait:
                pause = last + self.delay - time.monotonic()
                if pause > 0 and self.cancelled.wait(pause):
                    raise Cancelled("cancelled")
            try:
                yield
            finally:
                self._last[host] = time.monotonic()


def make_session(cfg: FetchConfig, pool: int = 4, retries: int | None = None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no environment proxies, no .netrc credentials
    s.cookies.set_policy(_NoCookies())
    s.max_redirects = cfg.max_redirects
    s.headers.clear()  # each request sends its full header set, in a browser's order
    n = cfg.retries if retries is None else retries
    retry = _Retry(
        total=n, connect=n, read=n, status=n, other=0,
        backoff_factor=cfg.backoff, backoff_max=max(cfg.backoff * 8, 1.0),
        status_forcelist=RETRY_STATUS, allowed_methods=frozenset({"GET"}),
        raise_on_status=False, raise_on_redirect=False, respect_retry_after_header=True)
    adapter = connections.Adapter(max_retries=retry, pool_connections=pool, pool_maxsize=pool,
                                  allow_private=cfg.allow_private)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def strip_userinfo(url: str) -> str:
    """`url` without `user:pass@`: credentials must neither be sent (requests turns
    URL userinfo into an Authorization header) nor stored (stored URLs travel in bundles)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _short(url: str, n: int = 120) -> str:
    return url if len(url) <= n else url[: n - 3] + "..."


def next_hop(current: str, location: str) -> str:
    """The redirect policy, one pure rule: where a `Location` sent in answer to
    `current` (the URL actually requested) may take us. Relative targets are
    resolved, userinfo is dropped, and an https -> http downgrade is refused
    (a NetworkError, exit 3: the server, not the user, asked for it), as is a
    target that is not a valid http(s) URL."""
    location = location.strip()
    if not location:
        raise NetworkError("redirect without a Location")
    try:
        nxt = strip_userinfo(urljoin(current, location))
        scheme = urlsplit(nxt).scheme.lower()
    except ValueError:
        raise NetworkError(f"redirect to an invalid URL ({_short(location, 80)})") from None
    if not valid_url(nxt):
        raise NetworkError(f"redirect to an unsupported URL ({_short(nxt, 80)})")
    if urlsplit(current).scheme.lower() == "https" and scheme != "https":
        raise NetworkError(f"refused redirect from {_short(strip_userinfo(current))} "
                           f"to {_short(nxt)}: a downgrade from https to plain http")
    return nxt


def _socket_of(resp: requests.Response) -> socket.socket | None:
    """The OS socket under a streamed response (plain, TLS or SOCKS), if reachable."""
    conn = getattr(resp.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is None:  # fall back to http.client's reader: BufferedReader -> SocketIO -> socket
        sock = getattr(getattr(getattr(getattr(resp.raw, "_fp", None), "fp", None), "raw", None), "_sock", None)
    return os_socket(sock)


def _chain(e: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [e]
    while todo:
        x = todo.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        yield x
        for nxt in (x.__cause__, x.__context__, getattr(x, "reason", None)):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
        todo.extend(a for a in x.args if isinstance(a, BaseException))


def _is_timeout(x: BaseException) -> bool:
    # urllib3's NewConnectionError subclasses ConnectTimeoutError for history's sake.
    if isinstance(x, urllib3.exceptions.NewConnectionError):
        return False
    return isinstance(x, (requests.Timeout, urllib3.exceptions.TimeoutError, socket.timeout, TimeoutError))


def _socks_error(chain: list[BaseException]) -> BaseException | None:
    return next((x for x in chain if type(x).__module__ == "socks"), None)


def reason(e: BaseException) -> str:
    """A one-line, human reason for a failed request."""
    chain = list(_chain(e))

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(x, types) for x in chain)

    socks_err = _socks_error(chain)
    if socks_err is not None or has(requests.exceptions.ProxyError):
        if has(ConnectionRefusedError):
            return "proxy failed (connection refused)"
        if any(_is_timeout(x) for x in chain):
            return "proxy failed (timed out)"
        detail = getattr(socks_err, "msg", None) or ""
        return f"proxy failed ({' '.join(str(detail).split())[:80]})" if detail else "proxy failed"
    if has(ConnectionResetError):
        return "connection reset"
    if has(ConnectionRefusedError):
        return "connection refused"
    if has(urllib3.exceptions.NameResolutionError, socket.gaierror):
        return "cannot resolve host name"
    if any(_is_timeout(x) for x in chain):
        return "timed out"
    if has(requests.exceptions.SSLError):
        return "TLS error"
    if has(requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError,
           urllib3.exceptions.IncompleteRead):
        return "connection closed mid-response"
    if has(requests.exceptions.ContentDecodingError):
        return "bad content encoding"
    text = " ".join(str(e).split())
    return text[:160] or type(e).__name__


def _content_type(value: str) -> tuple[str, str | None]:
    mime, _, params = value.partition(";")
    charset = None
    for p in params.split(";"):
        k, _, v = p.strip().partition("=")
        if k.strip().lower() == "charset" and v.strip():
            charset = v.strip().strip("'\"")
    return mime.strip().lower(), charset


class Fetcher:
    """The run's session. Thread-safe: `--jobs` workers share it."""

    def __init__(self, cfg: FetchConfig, mirrors: dict[str, str] | None = None, proxy: str = "",
                 jobs: int = 1):
        self.cfg = cfg
        self.mirrors = {k.lower(): v for k, v in (mirrors or {}).items()}
        self.proxies = {"http": proxy, "https": proxy} if proxy else {}
        self.session = make_session(cfg, pool=max(jobs, 1))
        # Images: never retried (a missing image is not worth a page's patience).
        self.image_session = make_session(cfg, pool=max(jobs, 1) * max(cfg.image_jobs, 1), retries=0)
        self.cancelled = threading.Event()
        self._unreachable: dict[str, str] = {}  # image host -> why, for the rest of the run
        self.gate = HostGate(cfg.per_host_delay, self.cancelled)
        self._live: set[socket.socket] = set()  # sockets of bodies being read, for `cancel`
        self._live_lock = threading.Lock()

    def close(self) -> None:
        self.session.close()
        self.image_session.close()

    def cancel(self) -> None:
        """Stop: no new request starts, and every body being read is cut now
        (its socket shut down). Safe from a signal handler or another thread."""
        self.cancelled.set()
        with self._live_lock:
            live = list(self._live)
        for sock in live:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- public --------------------------------------------------------------

    def page(self, url: str, validators: dict[str, str] | None = None) -> Fetched:
        """An HTML page (refused before download if it is anything else).
        `validators` (If-None-Match, If-Modified-Since) make it a conditional
        GET: a 304 comes back as `not_modified`."""
        return self._get(url, lambda target: {**browser.page_headers(self.cfg, target), **(validators or {})},
                         self.cfg.max_page_bytes, _check_page_type)

    def image(self, url: str, page_url: str | None = None, limit: int | None = None,
              until: float | None = None) -> Fetched:
        """An image (image/* only, never SVG), at most `limit` bytes. `page_url`
        is the page's address as a browser had it (where it was fetched from):
        Referer and Sec-Fetch-Site are judged against it. Bounded by
        `image_timeout` and by `until` (time.monotonic(): the article's
        images' end), not retried, no delay after the host's last request; a
        host found unreachable is not asked again this run."""
        cap = self.cfg.max_image_bytes if limit is None else min(limit, self.cfg.max_image_bytes)
        return self._get(url, lambda target: browser.image_headers(self.cfg, target, page_url), cap,
                         _check_image_type, image=True, until=until)

    def feed(self, url: str, validators: dict[str, str] | None = None) -> Fetched:
        """An RSS/Atom document (XML or, for broken servers, text/HTML); a
        conditional GET with `validators`, as `page`."""
        # Exactly a page's request: a browser opening a feed's URL sends nothing else.
        return self._get(url, lambda target: {**browser.page_headers(self.cfg, target), **(validators or {})},
                         self.cfg.max_page_bytes, _check_feed_type)

    def allow(self, url: str) -> None:
        """Called before every request, redirect hops included; raise
        NetworkError to refuse one (the demo confines itself this way)."""

    # -- internals -----------------------------------------------------------

    def _get(self, url: str, headers_for: Callable[[str], dict[str, str]], limit: int,
             check_type: Callable[[str], None],
             image: bool = False, until: float | None = None) -> Fetched:
        """Follow redirects by `next_hop`; each hop's headers are `headers_for(its URL)`,
        in the order they are sent (requests adds only Host, first, as Firefox).
        An `image` uses the image session, timeout and no per-host delay; no
        hop outlives `until`."""
        current = strip_userinfo(url)
        visited = {current}
        for _ in range(self.cfg.max_redirects + 1):
            if self.cancelled.is_set():
                raise Cancelled("cancelled")
            target = to_mirror(current, self.mirrors)
            scheme = urlsplit(target).scheme.lower()
            if scheme not in ("http", "https") or not host_of(target):
                raise NetworkError(f"unsupported URL: {target}")
            self.allow(target)
            self._check_destination(target)
            host = host_of(target)
            with self.gate.slot(host, wait=not image):
                if image and host in self._unreachable:  # (checked and set holding the host's slot)
                    raise NetworkError(f"{self._unreachable[host]} (the host failed earlier in this run)")
                now = time.monotonic()
                deadline = now + (self.cfg.image_timeout if image else self.cfg.response_timeout)
                if until is not None:
                    if now >= until:
                        raise NetworkError("no time left for the article's images")
                    deadline = min(deadline, until)
                try:
                    resp = (self._send(target, headers_for(target), deadline, session=self.image_session)
                            if image else self._send(target, headers_for(target), deadline))
                except Unreachable as e:
                    if image:
                        self._unreachable.setdefault(host, str(e))
                    raise
                try:
                    if resp.is_redirect:
                        location = resp.headers.get("Location", "")
                    else:
                        return self._finish(current, target, resp, limit, check_type, deadline)
                finally:
                    resp.close()
            nxt = from_mirror(next_hop(target, location), self.mirrors)
            if nxt in visited:
                raise NetworkError("redirect loop")
            visited.add(nxt)
            current = nxt
        raise NetworkError(f"too many redirects (> {self.cfg.max_redirects})")

    def _check_destination(self, target: str) -> None:
        """The host as written (an IP literal, `localhost`...): all we can judge when
        a proxy resolves names. A direct connection also checks every address the
        name resolves to (`mirror.connections`)."""
        if self.cfg.allow_private:
            return
        host = host_of(target)
        why = host_refusal(host)
        if why is not None:
            raise NetworkError(refused(host, why))

    def _send(self, target: str, headers: dict[str, str], deadline: float, *,
              session: requests.Session | None = None) -> requests.Response:
        session = session or self.session
        prep = session.prepare_request(requests.Request("GET", strip_userinfo(target), headers=headers))
        for name in ("Cookie", "Referer", "Authorization", "Proxy-Authorization"):
            if name not in headers:  # (only a Referer is ever ours: images, by the browser's policy)
                prep.headers.pop(name, None)
        left = max(deadline - time.monotonic(), 0.001)
        t = min(self.cfg.timeout, left)
        read = max(min(t, left), 0.001)
        try:
            with connections.deadline(deadline):  # the status line and headers end by it too
                resp = session.send(prep, stream=True, allow_redirects=False, timeout=(t, read),
                                    proxies=self.proxies, verify=True)
        except (requests.RequestException, OSError, urllib3.exceptions.HTTPError) as e:
            # (OSError, HTTPError: e.g. a SOCKS failure not wrapped by requests)
            why = self._why(e)
            unreachable = why in UNREACHABLE or isinstance(e, requests.ConnectTimeout)
            raise (Unreachable if unreachable and not self.proxies else NetworkError)(why) from None
        if time.monotonic() >= deadline:  # retries and backoff inside send count towards the bound
            resp.close()
            raise NetworkError("timed out")
        return resp

    @contextlib.contextmanager
    def _reading(self, sock: socket.socket | None) -> Iterator[None]:
        if sock is None:
            yield
            return
        with self._live_lock:
            self._live.add(sock)
        try:
            if self.cancelled.is_set():
                raise Cancelled("cancelled")
            yield
        finally:
            with self._live_lock:
                self._live.discard(sock)

    def _why(self, e: BaseException) -> str:
        """`reason`, naming Tor when it is the proxy that failed."""
        why = reason(e)
        if why.startswith("proxy failed") and self.proxies.get("https") == TOR_PROXY:
            why += (": is Tor running? --tor expects it at 127.0.0.1:9050 (Tor Browser listens on 9150: "
                    "--proxy socks5h://127.0.0.1:9150)")
        return why

    def _finish(self, canonical: str, target: str, resp: requests.Response, limit: int,
                check_type: Callable[[str], None], deadline: float) -> Fetched:
        etag, last_modified = _header(resp, "ETag"), _header(resp, "Last-Modified")
        asked = resp.request.headers if resp.request is not None else {}
        if resp.status_code == 304 and ("If-None-Match" in asked or "If-Modified-Since" in asked):
            return Fetched(canonical, target, "", None, b"", etag, last_modified, not_modified=True)
        if resp.status_code >= 400 or resp.status_code < 200:
            raise NetworkError(f"HTTP {resp.status_code}")
        if 300 <= resp.status_code < 400:
            raise NetworkError(f"HTTP {resp.status_code} without a Location")
        mime, charset = _content_type(resp.headers.get("Content-Type", ""))
        check_type(mime)
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:  # (decoding only makes it bigger)
            raise NetworkError(f"too large (> {limit} bytes)")
        body = bytearray()
        failure: str | None = None
        sock = _socket_of(resp)
        with Cutoff(deadline - time.monotonic(), sock) as cutoff, self._reading(sock):
            try:
                for chunk in resp.iter_content(CHUNK):
                    body += chunk
                    if len(body) > limit:
                        raise NetworkError(f"too large (> {limit} bytes)")
                    if cutoff.fired:  # (only reached without a socket to shut down)
                        break
            except (requests.RequestException, OSError, urllib3.exceptions.HTTPError) as e:
                failure = reason(e)
        if self.cancelled.is_set():
            raise Cancelled("cancelled")
        if cutoff.fired:  # whatever the cut read returned (an error, or a short body that looks whole)
            raise NetworkError("timed out")
        if failure is not None:
            raise NetworkError(failure)
        return Fetched(canonical, target, mime, charset, bytes(body), etag, last_modified)


def _header(resp: requests.Response, name: str) -> str | None:
    """A validator worth keeping: short printable ASCII, else None."""
    v = (resp.headers.get(name) or "").strip()
    return v if v and len(v) <= 200 and v.isascii() and v.isprintable() else None


def _check_page_type(mime: str) -> None:
    if mime and mime not in HTML_TYPES:  # the network worked: the URL is not a page (exit 1)
        raise ExtractionError(f"not HTML ({mime})")


def _check_feed_type(mime: str) -> None:
    """What feedparser takes: XML types (application/ or text/ xml, *+xml such
    as application/x-rss+xml), JSON Feed, and text it parses loosely."""
    if mime and mime not in FEED_TYPES and not mime.startswith("text/") and not (
            mime.startswith("application/") and (mime.endswith(("+xml", "+json")) or "xml" in mime)):
        raise NetworkError(f"not a feed ({mime})")


def _check_image_type(mime: str) -> None:
    if not mime.startswith("image/"):
        raise NetworkError(f"not an image ({mime or 'no content type'})")
    if mime.startswith("image/svg"):
        raise NetworkError("SVG images are refused (they can carry script)")
