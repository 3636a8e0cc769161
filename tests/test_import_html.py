"""`import-html`: a page saved by a browser. Images come only from beside the
file (its `page_files/` folder), never from the network or outside the folder."""

from __future__ import annotations

import json
import os
import socket

import pytest

from conftest import json_lines, open_archive, run_mirror
from mirror import config
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
    with open_archive(cfg.archive) as ar:
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
    r = run_mirror("import-html", saved, "--url", URL, "--json", archive=ar)
    assert r.returncode == 0, r.stderr
    [out] = json_lines(r.stdout)
    assert out["images"] == 2 and out["created"] is True
    r = run_mirror("import-html", junk, tmp_path / "nope.html", "--json", archive=ar)
    assert r.returncode == 1, r.stderr
    out = json_lines(r.stdout)
    assert [o["ok"] for o in out] == [False, False]
    assert out[0]["error"] == f"{junk}: not an HTML file" and "cannot read" in out[1]["error"]
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 3

    again = run_mirror("import-html", saved, "--url", CANONICAL, archive=ar)
    assert again.returncode == 0 and again.stdout.rstrip().endswith("(unchanged)")

    bad = run_mirror("import-html", saved, "--url", "file:///etc/passwd", archive=ar)
    assert bad.returncode == 1 and bad.stderr.startswith("mirror: error: --url must be an http(s) URL")


@pytest.mark.parametrize("head,comment,expect", [
    ('<link rel="canonical" href="https://outlet.example/a/one.html?utm_source=x">', "",
     "https://outlet.example/a/one.html"),
    ('<meta property="og:url" content="https://outlet.example/a/two.html">', "", "https://outlet.example/a/two.html"),
    ("", "<!-- saved from url=(0039)https://outlet.example/a/three.html -->\n", "https://outlet.example/a/three.html"),
])
def test_import_takes_the_url_the_page_names(tmp_path, head, comment, expect):
    page = tmp_path / "p.html"
    page.write_text(comment + article("Named by itself", head=head), encoding="utf-8")
    r = run_mirror("import-html", page, "--json", archive=tmp_path / "ar")
    assert r.returncode == 0, r.stderr
    [o] = json_lines(r.stdout)
    with open_archive(tmp_path / "ar") as ar:
        assert ar.get(o["id"]).url == expect


def test_import_of_several_files_takes_each_ones_url_and_refuses_one_url_for_all(tmp_path):
    pages = []
    for name in ("one", "two"):
        p = tmp_path / f"{name}.html"
        p.write_text(article(f"Story {name}", head=f'<link rel="canonical" href="https://outlet.example/{name}">'),
                     encoding="utf-8")
        pages.append(p)
    r = run_mirror("import-html", *pages, "--url", "https://outlet.example/x", archive=tmp_path / "ar")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "--url" in r.stderr, r.stderr
    r = run_mirror("import-html", *pages, archive=tmp_path / "ar")
    assert r.returncode == 0, r.stderr
    with open_archive(tmp_path / "ar") as ar:
        assert sorted(s.url for s in ar.list()) == ["https://outlet.example/one", "https://outlet.example/two"]


def test_import_refuses_a_page_without_a_url_and_a_file_that_is_not_html(tmp_path):
    import zipfile

    page = tmp_path / "anon.html"
    page.write_text(article("No address"), encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "z.html", "w") as z:
        z.writestr("index.html", article("Zipped"))
    for f, words in ((page, "names no URL of its own"), (tmp_path / "z.html", "not an HTML file")):
        r = run_mirror("import-html", f, "--url", "https://outlet.example/x", archive=tmp_path / "ar") \
            if f.name == "z.html" else run_mirror("import-html", f, archive=tmp_path / "ar")
        assert r.returncode == 1 and words in r.stderr and "Traceback" not in r.stderr, r.stderr
    with open_archive(tmp_path / "ar") as ar:
        assert ar.ids() == []
