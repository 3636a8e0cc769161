"""Where a fetch may go: never to this machine, the local network or any other
address that is not on the public internet, unless `fetch.allow_private`.

A hostile page (or a redirect, or an image URL) could otherwise make mirror
read a router's admin page or a local service, and the answer would be stored
and shipped in bundles. One rule, two places to apply it: on a host as written
in a URL (IP literals in every form a resolver accepts, and names that mean
this machine or the local network), which is all we can see when a proxy
resolves names (socks5h); and on every address a name resolves to, when we
connect directly (`mirror.connections`).
"""

from __future__ import annotations

import ipaddress
import re
import socket

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+", re.I)  # 127.1, 0x7f.0.0.1, 2130706433 ...
# Names that never mean a public host: RFC 6761 localhost, mDNS, private-use suffixes.
_LOCAL_SUFFIXES = ("localhost", "local", "internal", "lan", "home.arpa", "intranet", "corp")


def address_refusal(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address may not be fetched ("a loopback address"), or None if public."""
    a = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(a, ipaddress.IPv6Address):
        if a.ipv4_mapped is not None:
            a = a.ipv4_mapped
        elif a in _NAT64:  # a NAT64 gateway forwards it to the IPv4 address in its low bits
            a = ipaddress.IPv4Address(int(a) & 0xFFFFFFFF)
    if a.is_loopback:
        return "a loopback address"
    if a.is_link_local:
        return "a link-local address"
    if a.is_multicast:
        return "a multicast address"
    if a.is_unspecified:
        return "an unspecified address"
    if a.is_private:
        return "a private address"
    if not a.is_global:
        return "a reserved address"
    return None


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as an IP literal stands for, in any form the
    system resolver accepts (so `2130706433` and `0x7f.1` are 127.0.0.1)."""
    h = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(h.split("%", 1)[0])
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(h) and any(c.isdigit() for c in h):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(h))
        except OSError:
            return None
    return None


def host_refusal(host: str) -> str | None:
    """Why a host, as written in a URL, may not be fetched, or None. Names are
    judged by what they say (`localhost`, `*.local`, a single label that only a
    local search domain can complete); their addresses are checked at connect."""
    h = host.lower().strip("[]").rstrip(".")
    if not h:
        return "an empty host"
    addr = literal_address(h)
    if addr is not None:
        return address_refusal(addr)
    if "." not in h:
        return "a local host name" if h != "localhost" else "a loopback name"
    if h.endswith(".localhost"):
        return "a loopback name"
    if any(h == s or h.endswith("." + s) for s in _LOCAL_SUFFIXES):
        return "a local-network name"
    return None


def refused(what: str, why: str) -> str:
    """The one-line message for a refused destination (`what`: "10.0.0.1",
    "router.example resolves to 10.0.0.1")."""
    return f"refused: {what} is {why} (set fetch.allow_private = true to allow it)"
