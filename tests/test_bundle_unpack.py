"""Unpack internals: the page cap that bounds memory, the ways import stores
images (temp files linked into place, the shared spill file, checked copies),
and inspect without an archive."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bundleutil import age_keypair, make_archive, new_version, target, tree_digest  # target: a fixture
from conftest import run_mirror, open_archive
from mirror.store import archive as archive_mod
from mirror.bundle import layout, unpack
from mirror.config import Config
from mirror.model import Asset

pytestmark = pytest.mark.agecli


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unpack")
    ids = make_archive(tmp / "A", 3)
    key, rcp = age_keypair(tmp)
    r = run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "-r", rcp, archive=tmp / "A")
    assert r.returncode == 0, r.stderr
    return {"tmp": tmp, "ids": sorted(ids), "key": key, "rcp": rcp, "bundle": tmp / "b.age"}


def _config(tmp: Path, **bundle) -> Path:
    path = tmp / "config.toml"
    path.write_text("[bundle]\n" + "".join(f"{k} = {v}\n" for k, v in bundle.items()))
    return path


def _plain(world) -> bytes:
    return subprocess.run(["age", "-d", "-i", str(world["key"]), str(world["bundle"])], check=True,
                          capture_output=True).stdout


def _refused(world, target: Path, bundle: Path, needle: str, env: dict | None = None) -> None:
    before = tree_digest(target, skip_tmp=False)
    r = run_mirror("unpack", str(bundle), "-i", str(world["key"]), archive=target, env=env)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert needle in r.stderr, r.stderr
    assert tree_digest(target, skip_tmp=False) == before


def test_page_over_the_configured_cap_is_refused(world, target, tmp_path):
    """Pages and JSON files are read whole, so they have their own cap, far
    below max_entry_bytes; a bundle that exceeds it is refused before import."""
    zf = zipfile.ZipFile(io.BytesIO(_plain(world)))
    biggest = max((i for i in zf.infolist() if i.filename.endswith(".html")), key=lambda i: i.file_size)
    cfg = _config(tmp_path, max_page_bytes=biggest.file_size - 1)
    _refused(world, target, world["bundle"], "for a page (bundle.max_page_bytes)",
             env={"MIRROR_CONFIG": str(cfg)})
    # the same bundle, with the cap at the biggest page, imports
    cfg = _config(tmp_path, max_page_bytes=biggest.file_size)
    r = run_mirror("unpack", str(world["bundle"]), "-i", str(world["key"]), archive=target,
               env={"MIRROR_CONFIG": str(cfg)})
    assert r.returncode == 0, r.stderr


@pytest.mark.slow
def test_page_over_the_default_cap_is_refused(world, target, tmp_path):
    """A 64 MiB + 1 byte page (stored, so no ratio check catches it) is under
    max_entry_bytes but over the default max_page_bytes."""
    plain = tmp_path / "big.zip"
    page = layout.page(world["ids"][0])
    original = zipfile.ZipFile(io.BytesIO(_plain(world)))
    with zipfile.ZipFile(plain, "w") as zf:
        for info in original.infolist():
            if info.filename != page:
                zf.writestr(info, original.read(info))
        with zf.open(zipfile.ZipInfo(page), "w") as f:  # stored
            block = b"<p>" + b"a" * ((1 << 20) - 3)
            for _ in range(64):
                f.write(block)
            f.write(b"!")
    assert Config(target).bundle.max_page_bytes == 64 << 20
    bundle = tmp_path / "big.age"
    subprocess.run(["age", "-r", world["rcp"], "-o", str(bundle), str(plain)], check=True)
    _refused(world, target, bundle, "over the limit of 67108864 for a page")


def _peak_rss_mib(*args, archive: Path, env: dict) -> float:
    """Peak RSS of `mirror ARGS`, measured by a parent that waits for it."""
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]);"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    out = run_mirror(*args, archive=archive, env=env, wrap=(sys.executable, "-c", probe))
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1]) / 1024


@pytest.mark.slow
def test_peak_memory_of_a_large_allowed_page_is_bounded(world, tmp_path):
    """Unpacking a bundle whose page is close to max_page_bytes (a 15 MiB
    image inline: a 20 MiB page) costs a small multiple of the page on top of
    what a small bundle costs, not a multiple of the bundle or entry cap."""
    a = tmp_path / "A"
    data = b"\xff\xd8\xff\xe0" + os.urandom((15 << 20) - 4)
    sha = hashlib.sha256(data).hexdigest()
    big = new_version(7)
    big.assets = [(Asset(f"{sha[:16]}.jpg", sha, "image/jpeg", len(data)), data)]
    big.html = f'<p>Big picture.</p><img src="assets/{sha[:16]}.jpg" alt="">'
    big.lead_image = None
    with open_archive(a) as ar:
        ar.save(big)
    r = run_mirror("pack", "-o", str(tmp_path / "big.age"), "--all", "-r", world["rcp"], archive=a)
    assert r.returncode == 0, r.stderr
    cfg = _config(tmp_path, max_page_bytes=24 << 20)
    env = {"MIRROR_CONFIG": str(cfg)}
    small = _peak_rss_mib("unpack", world["bundle"], "-i", world["key"], archive=tmp_path / "S", env=env)
    large = _peak_rss_mib("unpack", tmp_path / "big.age", "-i", world["key"], archive=tmp_path / "L", env=env)
    with open_archive(tmp_path / "L") as ar:
        assert ar.read_blob(sha) == data
    assert large - small < 3 * 24, (small, large)  # page, its compressed form, the decoded image
    assert large < 150, large  # the budget


@pytest.mark.parametrize("how", ["linked", "spilled", "copied"])
def test_import_stores_every_image_whichever_way(world, tmp_path, monkeypatch, how):
    """Images decoded during verification reach the blob store by being
    linked (their own temp file), copied from the shared spill file (past the
    open-file budget), or copied and re-hashed where linking is impossible."""
    if how == "spilled":
        monkeypatch.setattr(unpack, "_max_stash_files", lambda: 1)
    if how == "copied":
        def no_link(*a, **k):
            raise OSError(18, "Invalid cross-device link")
        monkeypatch.setattr(archive_mod.os, "link", no_link)
    b = tmp_path / "B"
    with open_archive(b) as ar:
        rep = unpack.check(ar, world["bundle"], unpack.Secrets((str(world["key"]),)), Config(b), (), True)
        assert rep.imported == 3
        assert ar.integrity() == []
        with open_archive(world["tmp"] / "A") as src:
            for aid in world["ids"]:
                assets = src.get(aid).assets
                assert ar.get(aid).assets == assets
                for x in assets:
                    assert ar.read_blob(x.sha256) == src.read_blob(x.sha256)
        assert list(open_archive(b).blobs.tmp.iterdir()) == []


def test_inspect_does_not_create_a_missing_archive(world, tmp_path):
    missing = tmp_path / "no" / "archive"
    r = run_mirror("inspect", str(world["bundle"]), "-i", str(world["key"]), "--json", archive=missing)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert sorted(a["id"] for a in rep["articles"]) == world["ids"]
    assert {a["status"] for a in rep["articles"]} == {"new"}
    assert not (tmp_path / "no").exists()
    # a bad bundle is still refused, and still creates nothing
    bad = tmp_path / "bad.age"
    data = bytearray(world["bundle"].read_bytes())
    data[len(data) // 2] ^= 1
    bad.write_bytes(bytes(data))
    r = run_mirror("inspect", str(bad), "-i", str(world["key"]), archive=missing)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "no").exists()


def test_the_manifest_may_grow_with_the_entries_it_lists():
    """manifest.json lists every entry: a bundle of 100,000 articles has one
    of 68 MB, over the 64 MiB page cap. It may take 512 bytes per entry;
    other pages keep the cap."""
    from mirror.bundle import layout, verify
    from mirror.config import BundleConfig

    caps = BundleConfig()
    assert verify.page_limit(caps, layout.MANIFEST, 335_006) == 512 * 335_006 > 68_328_111 > caps.max_page_bytes
    assert verify.page_limit(caps, layout.MANIFEST, 10) == caps.max_page_bytes
    assert verify.page_limit(caps, "index.html", 335_006) == caps.max_page_bytes


def test_the_first_pack_after_unpack_does_not_parse_the_html_again(world, tmp_path, monkeypatch):
    """Unpack has just judged every capture's HTML with the renderer's parse
    and clean; it records the verdicts, so planning the next pack (which asks
    it of every article) does not parse them all again."""
    from mirror.bundle import pack, site

    b = tmp_path / "B"
    with open_archive(b) as ar:
        assert unpack.check(ar, world["bundle"], unpack.Secrets((str(world["key"]),)), Config(b), (),
                            True).imported == 3

    def refuse(html):
        raise AssertionError("parsed again")
    monkeypatch.setattr(site, "renders", refuse)
    with open_archive(b) as ar:
        ids = sorted(ar.ids())
        assert ids == world["ids"]
        assert b"".join(pack.payload(ar, ids))
