"""A bundle is a static site: `age -d`, `unzip`, open index.html in Chromium
from file:// -- zero requests, images visible, links lead to the pages."""

from __future__ import annotations

import re
import subprocess

import pytest

from bundleutil import age_keypair, make_archive, sample_png
from conftest import run_mirror
from browserutil import open_page

pytestmark = [pytest.mark.browser, pytest.mark.agecli]


def test_unzipped_bundle_opens_offline_with_images(tmp_path):
    ids = make_archive(tmp_path / "A", 2)
    key, rcp = age_keypair(tmp_path)
    assert run_mirror("pack", "-o", str(tmp_path / "b.age"), "--all", "-r", rcp, archive=tmp_path / "A").returncode == 0
    subprocess.run(["age", "-d", "-i", str(key), "-o", str(tmp_path / "b.zip"), str(tmp_path / "b.age")], check=True)
    site = tmp_path / "site"
    subprocess.run(["unzip", "-q", str(tmp_path / "b.zip"), "-d", str(site)], check=True)

    index = open_page(site / "index.html")
    assert index.requests == [] and index.dialogs == []
    assert "Story number 0" in index.text and "Story number 1" in index.text
    html = (site / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', html)
    assert sorted(links) == sorted(f"articles/{i}/index.html" for i in ids)
    assert all((site / link).is_file() for link in links)

    page = open_page(site / "articles" / ids[0] / "index.html")
    assert page.requests == [] and page.dialogs == []
    assert page.images_total >= 2 and page.images_loaded == page.images_total  # PNG and JPEG visible
    assert "Paragraph one of article" in page.text

    # export-site writes the same site, unzipped.
    assert run_mirror("export-site", str(tmp_path / "exported"), "--all", archive=tmp_path / "A").returncode == 0
    for name in ("index.html", f"articles/{ids[1]}/index.html"):
        assert (tmp_path / "exported" / name).read_bytes() == (site / name).read_bytes()


def test_why_images_are_inline(tmp_path):
    """The evidence behind inlining: under `img-src 'self'` a file:// page may
    load any file: URL at all, not just its own folder (and on Windows file:
    reaches network shares). Our pages allow only data: images."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.png").write_bytes(sample_png(2))
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.png").write_bytes(sample_png(1))
    outside = (tmp_path / "elsewhere" / "b.png").as_uri()
    (tmp_path / "site" / "self.html").write_text(
        '<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; img-src 'self'\">"
        f'<img src="a.png"><img src="{outside}">')
    rep = open_page(tmp_path / "site" / "self.html")
    assert rep.images_loaded == 2  # 'self' let in a file from outside the folder
    (tmp_path / "site" / "data.html").write_text(
        '<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; img-src data:\">"
        f'<img src="a.png"><img src="{outside}">')
    rep = open_page(tmp_path / "site" / "data.html")
    assert rep.images_total == 2 and rep.images_loaded == 0  # both blocked under our policy
