"""`import-html`: a page saved by a browser. Images come only from beside the
file (its `page_files/` folder), never from the network or outside the folder."""

from __future__ import annotations

import json
import os
import socket

import pytest

from conftest import json_lines, run_mirror
from mirror import config
from mirror.archive import Archive
from mirror.pipeline import import_files
from sitekit import article, png

URL = "https://outlet.example/news/2024/bridge.html?utm_source=share"
CANONICAL = "https://outlet.example/news/2024/bridge.html"


@pytest.fixture
def saved(tmp_path):
    """What "Save page as, complete" leaves on disk, plus some traps."""
    d = tmp_path / "saved"
    files = d / "bridge_files"
    files.mkdir(parents=True)
    (files / "photo.png").write_bytes(png(40, 30))
    (files / "photo copy.png").write_bytes(png(41, 30))
    (files / "fake.png").write_bytes(b"<svg onload='alert(1)'></svg>")
    (tmp_path / "outside.png").write_bytes(png(42, 30))
    os.symlink(tmp_path / "outside.png", files / "link.png")
    extra = """
    <figure><img src="bridge_files/photo.png" alt="local"><figcaption>Saved with the page</figcaption></figure>
    <img src="./bridge_files/photo%20copy.png" alt="spaces">
    <img src="bridge_files/missing.png" alt="missing">
    <img src="../outside.png" alt="escape"><img src="bridge_files/link.png" alt="symlink">
    <img src="bridge_files/fake.png" alt="svg in disguise">
    <img src="https://cdn.example/remote.png" alt="remote">
    """
    page = d / "bridge.html"
    page.write_text(article("Saved by hand", extra=extra), encoding="utf-8")
    return page


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    def refuse(*a, **k):
        raise AssertionError(f"network access during import: {a!r}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_import_reads_only_local_images_inside_the_folder(saved, tmp_path, no_network):
    cfg = config.load(archive=tmp_path / "ar")
    with Archive.open(cfg.archive) as ar:
        [o] = import_files([str(saved)], URL, cfg, ar)
        assert o.ok, o.error
        art = ar.get(o.id)
    assert art.url == CANONICAL and art.title == "Saved by hand"
    assert sorted(a.source_url for a in art.assets) == [
        "https://outlet.example/news/2024/bridge_files/photo%20copy.png",
        "https://outlet.example/news/2024/bridge_files/photo.png"]
    assert art.html.count("<img") == 2
    for gone in ("missing", "escape", "symlink", "svg in disguise", "remote", "cdn.example"):
        assert gone not in art.html, gone
    assert "Saved with the page" in art.html


def test_import_cli_json_and_errors(saved, tmp_path):
    ar = str(tmp_path / "ar")
    junk = tmp_path / "junk.html"
    junk.write_bytes(b"\x00\x01\x02 binary")
    r = run_mirror("import-html", saved, junk, tmp_path / "nope.html", "--url", URL, "--json", archive=ar)
    assert r.returncode == 1, r.stderr
    out = json_lines(r.stdout)
    assert [o["ok"] for o in out] == [True, False, False]
    assert out[0]["images"] == 2 and out[0]["created"] is True
    assert out[1]["error"] == "input does not look like an HTML page" and "cannot read" in out[2]["error"]
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 3

    again = run_mirror("import-html", saved, "--url", CANONICAL, archive=ar)
    assert again.returncode == 0 and again.stdout.rstrip().endswith("(unchanged)")

    bad = run_mirror("import-html", saved, "--url", "file:///etc/passwd", archive=ar)
    assert bad.returncode == 1 and bad.stderr.startswith("mirror: error: --url must be an http(s) URL")
