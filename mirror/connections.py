"""The connections under the run's session: where they may go and how long a
response may take.

urllib3 opens and reuses the connections, so the two rules that must hold at
the socket live here, in connection classes the session's adapter installs:

- a direct connection resolves its host once, refuses it if any address is
  not public (`mirror.destinations`), and connects to exactly the addresses
  it checked (no second lookup a DNS server could answer differently);
- reading a response's status line and headers is bounded by the response's
  wall-clock deadline (`deadline()`), as its body is: a server that drips
  header bytes, each within the read timeout, is cut at the deadline.

Connections through a proxy are only bounded: the proxy resolves the names,
so the fetcher judges the URL's host as written (`destinations.host_refusal`).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from types import TracebackType
from typing import Iterator

from requests.adapters import DEFAULT_POOLBLOCK, DEFAULT_POOLSIZE, DEFAULT_RETRIES, HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.contrib.socks import (SOCKSConnection, SOCKSHTTPConnectionPool, SOCKSHTTPSConnection,
                                   SOCKSHTTPSConnectionPool)
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.response import HTTPResponse
from urllib3.util import connection as u3connection
from urllib3.util.retry import Retry

from mirror.destinations import address_refusal, refused
from mirror.errors import NetworkError


class Cutoff:
    """A wall-clock bound enforced while reading: when it passes, a timer thread
    shuts the socket down, so whatever read is blocked (a body dripping a byte
    at a time, a chunk-size line, a header line, decompression) returns at once.
    Checking a clock between reads cannot do this: one buffered read may wait
    for a drip indefinitely."""

    def __init__(self, seconds: float, sock: socket.socket | None):
        self._sock = sock
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> "Cutoff":
        self._timer.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(self._sock, socket.SHUT_RDWR)


def os_socket(sock: object) -> socket.socket | None:
    """The OS socket under a plain, TLS or TLS-in-TLS (SSLTransport) socket."""
    for _ in range(4):
        if sock is None or isinstance(sock, socket.socket):
            return sock
        sock = getattr(sock, "socket", None)
    return None


# -- the response deadline, per thread (urllib3 sends on the caller's thread) ----

_local = threading.local()


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Responses read on this thread inside the block end by `at` (time.monotonic())."""
    before = getattr(_local, "at", None)
    _local.at = at
    try:
        yield
    finally:
        _local.at = before


class _BoundedHeaders(HTTPConnection):
    """Reading the status line and headers ends at the thread's deadline, and
    over-long ones (http.client's caps: a 64 KiB line, 100 headers) are a plain
    error, not a "connection broken" that urllib3 would ask again.

    A mixin: it derives from HTTPConnection, which every class it is mixed into
    derives from too, so the concrete classes' method order is unchanged."""

    # urllib3's HTTPConnection.getresponse returns urllib3's HTTPResponse, not
    # http.client's, and ignores the same error
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        at = getattr(_local, "at", None)
        cut = Cutoff(at - time.monotonic(), os_socket(self.sock)) if at is not None else None
        with cut or contextlib.nullcontext():
            try:
                return super().getresponse()
            except Exception as e:
                if cut is not None and cut.fired:  # the bound is spent
                    raise NetworkError("timed out") from None
                if isinstance(e, http.client.LineTooLong) or "got more than" in str(e):
                    raise NetworkError("response headers too large") from None
                raise


class _PublicOnly(HTTPConnection):
    """Connect only to public addresses, the ones checked (one lookup). A mixin,
    deriving from HTTPConnection as `_BoundedHeaders` does."""

    def _new_conn(self) -> socket.socket:
        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, 0, socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        # an int is AF_INET6's address on a Python built without IPv6; it cannot connect
        addresses = list(dict.fromkeys(ip for info in infos if isinstance(ip := info[4][0], str)))
        for ip in addresses:
            why = address_refusal(ip.split("%", 1)[0])
            if why is not None:
                shown = ip if ip == self.host.strip("[]") else f"{self.host} resolves to {ip}, which"
                raise NetworkError(refused(shown, why))
        error: Exception | None = None
        for ip in addresses:
            try:
                return u3connection.create_connection((ip, self.port), self.timeout,
                                                      source_address=self.source_address,
                                                      socket_options=self.socket_options)
            except socket.timeout as e:
                error = ConnectTimeoutError(self, f"Connection to {self.host} timed out. "
                                                  f"(connect timeout={self.timeout})")
                error.__cause__ = e
            except OSError as e:
                error = NewConnectionError(self, f"Failed to establish a new connection: {e}")
                error.__cause__ = e
        raise error or NewConnectionError(self, "no address to connect to")


class _HTTP(_BoundedHeaders, HTTPConnection):
    pass


class _HTTPS(_BoundedHeaders, HTTPSConnection):
    pass


class _PublicHTTP(_PublicOnly, _HTTP):
    pass


class _PublicHTTPS(_PublicOnly, _HTTPS):
    pass


class _SOCKS(_BoundedHeaders, SOCKSConnection):
    pass


class _SOCKSHTTPS(_BoundedHeaders, SOCKSHTTPSConnection):
    pass


def _pool(base: type, conn: type) -> type:
    return type(f"Bounded{base.__name__}", (base,), {"ConnectionCls": conn})


_DIRECT = {"http": _pool(HTTPConnectionPool, _HTTP), "https": _pool(HTTPSConnectionPool, _HTTPS)}
_DIRECT_PUBLIC = {"http": _pool(HTTPConnectionPool, _PublicHTTP),
                  "https": _pool(HTTPSConnectionPool, _PublicHTTPS)}
_VIA_HTTP_PROXY = _DIRECT  # the connection goes to the proxy, which resolves the names
_VIA_SOCKS = {"http": _pool(SOCKSHTTPConnectionPool, _SOCKS),
              "https": _pool(SOCKSHTTPSConnectionPool, _SOCKSHTTPS)}


class Adapter(HTTPAdapter):
    """requests' adapter with our connection classes, direct and through proxies."""

    __attrs__ = [*HTTPAdapter.__attrs__, "allow_private"]

    def __init__(self, pool_connections: int = DEFAULT_POOLSIZE, pool_maxsize: int = DEFAULT_POOLSIZE,
                 max_retries: Retry | int | None = DEFAULT_RETRIES, pool_block: bool = DEFAULT_POOLBLOCK,
                 *, allow_private: bool = False):
        self.allow_private = allow_private
        super().__init__(pool_connections, pool_maxsize, max_retries, pool_block)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = DEFAULT_POOLBLOCK,
                         **pool_kwargs: object) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _DIRECT if self.allow_private else _DIRECT_PUBLIC

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: object) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _VIA_SOCKS if proxy.lower().startswith("socks") else _VIA_HTTP_PROXY
        return manager
