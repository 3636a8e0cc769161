"""No fetch reaches this machine or the local network unless fetch.allow_private:
not the page, not a redirect hop, not an image; IP literals in every form, names
that mean "local", and (when we connect directly) every address a name resolves to."""

from __future__ import annotations

import json
import socket

import pytest
from urllib3.util import connection as u3connection

from conftest import run_mirror, json_lines
from mirror.config import FetchConfig
from mirror.destinations import address_refusal, host_refusal
from mirror.errors import NetworkError
from mirror.fetch import Fetcher
from sitekit import Reply, Site, article, png


@pytest.mark.parametrize("host, why", [
    ("127.0.0.1", "a loopback address"), ("127.8.9.10", "a loopback address"),
    ("[::1]", "a loopback address"), ("10.1.2.3", "a private address"), ("172.16.0.1", "a private address"),
    ("192.168.1.1", "a private address"), ("[fd00::1]", "a private address"),
    ("169.254.169.254", "a link-local address"), ("[fe80::1]", "a link-local address"),
    ("224.0.0.251", "a multicast address"), ("[ff02::1]", "a multicast address"),
    ("0.0.0.0", "an unspecified address"), ("100.64.0.1", "a reserved address"),
    # Forms the system resolver turns into 127.0.0.1 / 10.0.0.1:
    ("2130706433", "a loopback address"), ("0x7f.1", "a loopback address"), ("127.1", "a loopback address"),
    ("0177.0.0.1", "a loopback address"), ("[::ffff:127.0.0.1]", "a loopback address"),
    ("[64:ff9b::a00:1]", "a private address"), ("127.0.0.1.", "a loopback address"),
    ("localhost", "a loopback name"), ("LOCALHOST.", "a loopback name"), ("app.localhost", "a loopback name"),
    ("printer.local", "a local-network name"), ("nas.home.arpa", "a local-network name"),
    ("router", "a local host name"),
])
def test_local_and_private_hosts_are_refused(host, why):
    assert host_refusal(host) == why


@pytest.mark.parametrize("host", ["news.example", "example.com", "93.184.215.14", "[2606:4700::1111]",
                                  "cafe.de", "8.8.8.8", "1.1.1.1"])
def test_public_hosts_pass(host):
    assert host_refusal(host) is None


def test_address_refusal_of_resolved_addresses():
    assert address_refusal("192.168.0.10") == "a private address"
    assert address_refusal("2a00:1450:4001:80b::200e") is None


# -- through the CLI and the fetcher, against a local server ---------------------------


@pytest.fixture(scope="module")
def site():
    s = Site()
    s.port = s.start()
    local = f"http://127.0.0.1:{s.port}"
    s.html("http://*/secret", article("Router admin page"))
    s.add("http://news.example/start", Reply(b"", 302, {"Location": f"{local}/secret"}))
    s.add("http://news.example/meta", Reply(b"", 302, {"Location": "http://169.254.169.254/latest/meta-data/"}))
    s.add("http://news.example/numeric", Reply(b"", 302, {"Location": f"http://2130706433:{s.port}/secret"}))
    s.html("http://news.example/story", article("Public story", extra=(
        f'<img src="{local}/cam.png" alt="a"><img src="http://192.168.1.1/cam.png" alt="b">'
        f'<img src="http://localhost:{s.port}/cam.png" alt="c"><img src="/ok.png" alt="d">')))
    s.image("http://*/cam.png", png(60, 60))
    s.image("http://news.example/ok.png", png(61, 61))
    yield s
    s.stop()


def _config(tmp_path, allow: bool | None):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[fetch]\nper_host_delay = 0.0\nretries = 0\ntimeout = 5\n"
                   + ("" if allow is None else f"allow_private = {str(allow).lower()}\n"))
    return cfg


def test_the_cli_refuses_a_loopback_url_by_default_and_sends_nothing(site, tmp_path):
    site.clear()
    url = f"http://127.0.0.1:{site.port}/secret"
    r = run_mirror("add", url, config=_config(tmp_path, None), archive=tmp_path / "ar")
    assert r.returncode == 3, r.stderr
    assert "Traceback" not in r.stderr
    assert (f"mirror: {url}: refused: 127.0.0.1 is a loopback address "
            "(set fetch.allow_private = true to allow it)") in r.stderr.splitlines()
    assert site.hits == []
    r = run_mirror("add", url, config=_config(tmp_path, True), archive=tmp_path / "ar")
    assert r.returncode == 0, r.stderr
    assert [h.path for h in site.hits] == ["/secret"]


@pytest.mark.parametrize("path, refused", [
    ("/start", "127.0.0.1 is a loopback address"),
    ("/meta", "169.254.169.254 is a link-local address"),
    ("/numeric", "2130706433 is a loopback address"),
])
def test_a_redirect_to_a_private_address_is_refused(site, tmp_path, path, refused):
    site.clear()
    r = run_mirror("add", "--json", "--proxy", f"http://127.0.0.1:{site.port}", f"http://news.example{path}",
                   config=_config(tmp_path, False), archive=tmp_path / "ar")
    assert r.returncode == 3, r.stderr
    [out] = json_lines(r.stdout)
    assert out["ok"] is False and out["error"].startswith(f"refused: {refused} ")
    assert [h.url for h in site.hits] == [f"http://news.example{path}"]  # the target was never asked


def test_images_on_private_addresses_are_never_requested(site, tmp_path):
    site.clear()
    r = run_mirror("add", "--json", "--proxy", f"http://127.0.0.1:{site.port}", "http://news.example/story",
                   config=_config(tmp_path, False), archive=tmp_path / "ar")
    assert r.returncode == 0, r.stderr
    assert json_lines(r.stdout)[0]["images"] == 1
    assert sorted(h.url for h in site.hits) == ["http://news.example/ok.png", "http://news.example/story"]


def _resolver(answers: dict[str, list[str]], calls: list[str]):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            calls.append(host)
            return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (ip, port)) for ip in answers[host]]
        return real(host, port, *args, **kwargs)

    return getaddrinfo


@pytest.mark.parametrize("answer, shown", [
    (["127.0.0.1"], "127.0.0.1, which is a loopback address"),
    (["93.184.215.14", "10.0.0.7"], "10.0.0.7, which is a private address"),  # one private answer is enough
])
def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(site, monkeypatch, answer, shown):
    calls: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", _resolver({"rebind.example": answer}, calls))
    connected: list = []
    monkeypatch.setattr(u3connection, "create_connection", lambda addr, *a, **k: connected.append(addr))
    site.clear()
    with Fetcher(FetchConfig(retries=0, per_host_delay=0.0, timeout=5)) as f, pytest.raises(NetworkError) as e:
        f.page(f"http://rebind.example:{site.port}/secret")
    assert str(e.value) == (f"refused: rebind.example resolves to {shown} "
                            "(set fetch.allow_private = true to allow it)")
    assert e.value.exit_code == 3
    assert connected == [] and site.hits == [] and calls == ["rebind.example"]


def test_a_direct_connection_goes_to_the_address_that_was_checked(site, monkeypatch):
    """One lookup, and the connection is made to its (public) answer: a DNS server
    cannot answer the check with a public address and the connect with 127.0.0.1."""
    calls: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", _resolver({"public.example": ["93.184.215.14"]}, calls))
    connected: list = []

    def create_connection(addr, *args, **kwargs):
        connected.append(addr)
        return socket.create_connection(("127.0.0.1", site.port))  # stands in for the public host

    monkeypatch.setattr(u3connection, "create_connection", create_connection)
    site.clear()
    with Fetcher(FetchConfig(retries=0, per_host_delay=0.0, timeout=5)) as f:
        got = f.page(f"http://public.example:{site.port}/secret")
    assert b"Router admin page" in got.body
    assert calls == ["public.example"] and connected == [("93.184.215.14", site.port)]
