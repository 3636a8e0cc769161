"""The red team's findings on hostile bundles (issue: what the signer signed
is what every reader sees, and nothing stalls or breaks the archive). Each
test failed before its fix. Every refusal leaves the target archive byte for
byte as it was."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

import ziputil
from bundleforge import edit_article, files_of, rebuild, zipped
from bundleutil import age_keypair, make_archive, new_version, target, tree_digest  # target: a fixture
from conftest import run_mirror as mirror, open_archive
from mirror.store import Archive
from mirror.bundle import htmlbundle, layout, pack, signing

pytestmark = pytest.mark.agecli


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redteam")
    ids = make_archive(tmp / "A", 2)
    key, rcp = age_keypair(tmp)
    sk = signing.generate()
    (tmp / "trusted.pub").write_text(signing.public_text(sk.public) + "\n")
    with open_archive(tmp / "A") as ar:
        signed = b"".join(pack.payload(ar, sorted(ids), sign_key=sk))
        plain = b"".join(pack.payload(ar, sorted(ids)))
    return {"tmp": tmp, "ids": sorted(ids), "key": key, "rcp": rcp, "sk": sk, "signed": signed,
            "plain": plain, "trust": tmp / "trusted.pub"}


def encrypt(world, plain: bytes, name: str = "case.age") -> Path:
    out = world["tmp"] / name
    subprocess.run(["age", "-r", world["rcp"], "-o", str(out)], input=plain, check=True)
    return out


def refused(world, target: Path, plain: bytes, needle: str, *extra: str) -> None:
    """unpack exits 2 with one line holding `needle`; the archive is unchanged."""
    bundle = encrypt(world, plain)
    before = tree_digest(target, skip_tmp=False)
    r = mirror("unpack", str(bundle), "-i", str(world["key"]), *extra, archive=target)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert needle in r.stderr, r.stderr
    assert tree_digest(target, skip_tmp=False) == before


def test_rebuild_helper_makes_importable_bundles(world, target):
    """The helper itself: an unedited rebuild imports (so refusals below are the edits')."""
    bundle = encrypt(world, rebuild(world["plain"], lambda f: None), "ok.age")
    r = mirror("unpack", str(bundle), "-i", str(world["key"]), archive=target)
    assert r.returncode == 0, r.stderr


# -- 1. the ZIP container is bound to what the signature covers ---------------------


def _forged(world) -> bytes:
    """The signed bundle with one page stored: its central record covers the
    genuine page (what zipfile hashes), its local header covers the genuine
    page plus forged bytes (what a local-header reader shows)."""
    entries = ziputil.raw_entries(world["signed"])
    page = layout.page(world["ids"][0])
    genuine = files_of(world["signed"])[page]
    forged = genuine + b"<h1>FORGED: the courier wrote this</h1>"
    out = []
    for e in entries:
        if e.name == page:
            e = ziputil.Raw(page, forged, 0,
                            central={"crc": zlib.crc32(genuine), "csize": len(genuine), "usize": len(genuine)})
        out.append(e)
    return ziputil.write(out)


def test_forged_local_view_of_signed_bundle_refused(world, target):
    plain = _forged(world)
    assert zipfile.ZipFile(io.BytesIO(plain)).read(layout.page(world["ids"][0])) == \
        files_of(world["signed"])[layout.page(world["ids"][0])]  # zipfile's view is the signed one
    bundle = encrypt(world, plain, "forged.age")
    r = mirror("inspect", str(bundle), "-i", str(world["key"]), "--trust", str(world["trust"]),
               archive=target)
    assert r.returncode == 2 and "plain sequential ZIP" in r.stderr, (r.returncode, r.stderr)
    refused(world, target, plain, "plain sequential ZIP", "--trust", str(world["trust"]))


def _variant(world, kind: str) -> bytes:
    entries = ziputil.raw_entries(world["signed"])
    idx = next(i for i, e in enumerate(entries) if e.name == "index.html")
    e = entries[idx]
    if kind == "method":  # local says stored, central says deflated
        e.local = {"method": 0}
    elif kind == "descriptor":  # a data descriptor that lies about the size
        e.flags = 0x08
        e.local = {"crc": 0, "csize": 0, "usize": 0}
        e.descriptor = struct.pack("<IIII", 0x08074B50, e.crc, len(e.data) + 10, e.usize)
    elif kind == "gap":
        e.after = b"<script>alert(1)</script>"
    elif kind == "names":
        e.local = {"name": b"index.htm_"}
    tail = b"junk after the end" if kind == "trailing" else b""
    return ziputil.write(entries, tail=tail)


@pytest.mark.parametrize("kind", ["method", "descriptor", "gap", "trailing", "names"])
def test_local_central_disagreement_refused(world, target, kind):
    refused(world, target, _variant(world, kind), "bundle refused", "--trust", str(world["trust"]))


def test_honest_descriptor_is_accepted(world, target):
    """A streaming writer's data descriptors are fine when they tell the truth."""
    entries = ziputil.raw_entries(world["signed"])
    for e in entries:
        e.flags = 0x08
        e.local = {"crc": 0, "csize": 0, "usize": 0}
        e.descriptor = struct.pack("<IIII", 0x08074B50, e.crc, len(e.data), e.usize)
    bundle = encrypt(world, ziputil.write(entries), "desc.age")
    r = mirror("unpack", str(bundle), "-i", str(world["key"]), "--trust", str(world["trust"]), archive=target)
    assert r.returncode == 0, r.stderr


# -- 2. captured in the future ------------------------------------------------------


def test_far_future_captured_refused(world, target):
    aid = world["ids"][0]
    plain = rebuild(world["plain"], lambda f: edit_article(f, aid, lambda d: d.update(captured="9999-12-31T00:00:00Z")))
    refused(world, target, plain, "in the future")


@pytest.mark.parametrize("bad", ["2026-02-30T00:00:00Z", "2026-03-04Tnonsense"])
def test_captured_must_be_a_real_date(world, target, bad):
    aid = world["ids"][0]
    refused(world, target, rebuild(world["plain"], lambda f: edit_article(f, aid, lambda d: d.update(captured=bad))),
            "not an ISO date")


# -- 4. HTML the renderer cannot parse -------------------------------------------------


def test_unparseable_html_refused_at_import(world, target):
    aid = world["ids"][0]
    plain = rebuild(world["plain"], lambda f: edit_article(f, aid, lambda d: d.update(html=d["html"] + "<![>")))
    refused(world, target, plain, "cannot be parsed by the renderer")


@pytest.fixture
def poisoned(tmp_path):
    """An archive holding one article whose stored HTML breaks the parser
    (as one imported before this fix would), and one good article."""
    a = tmp_path / "P"
    with open_archive(a) as ar:
        good = ar.save(new_version(1)).id
        bad_v = new_version(2)
        bad_v.html += "<![>"
        bad = ar.save(bad_v).id
    return a, good, bad


def test_pack_skips_unrenderable_article_with_warning(poisoned, world, tmp_path):
    a, good, bad = poisoned
    out = tmp_path / "out.age"
    r = mirror("pack", "--all", "-o", str(out), "-r", world["rcp"], archive=a)
    assert r.returncode == 0, r.stderr
    assert bad in r.stderr and "warning" in r.stderr and "Traceback" not in r.stderr
    r = mirror("inspect", str(out), "-i", str(world["key"]), "--json", archive=tmp_path / "none")
    assert [x["id"] for x in json.loads(r.stdout)["articles"]] == [good]


def test_export_skips_unrenderable_and_never_half_writes(poisoned, tmp_path):
    a, good, bad = poisoned
    site = tmp_path / "site"
    r = mirror("export-site", str(site), "--all", archive=a)
    assert r.returncode == 0 and bad in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert (site / layout.page(good)).is_file() and not (site / "articles" / bad).exists()
    only_bad = tmp_path / "only-bad"
    r = mirror("export-site", str(only_bad), bad, archive=a)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert not only_bad.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P", "out.age", "site"] or \
        sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_show_html_of_unrenderable_names_it(poisoned):
    a, good, bad = poisoned
    r = mirror("show", bad, "--format", "html", archive=a)
    assert r.returncode == 1 and bad in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1


# -- 5. URLs --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["https://news.example.org/a b", "https://news.example.org/a\tb",
                                 "https://news.example.org/a\u00a0b", "https://news.example.org/" + "a" * 4100])
def test_add_and_import_html_refuse_bad_urls(tmp_path, url):
    r = mirror("add", url, archive=tmp_path / "A")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    page = tmp_path / "p.html"
    page.write_text("<html><body><article><h1>T</h1><p>" + "Some words here. " * 40 + "</p></article></body></html>")
    r = mirror("import-html", str(page), "--url", url, archive=tmp_path / "A")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    if (tmp_path / "A").exists():
        with open_archive(tmp_path / "A") as ar:
            assert ar.ids() == []


def test_bundle_with_bad_url_refused_clearly(world, target):
    """As an older mirror (which let such URLs in) would have packed it."""
    aid = world["ids"][0]
    plain = rebuild(world["plain"], lambda f: edit_article(f, aid, lambda d: d.update(url=d["url"] + " x")))
    refused(world, target, plain, "not a valid http(s) URL")


def test_pack_skips_article_with_bad_url(world, tmp_path):
    a = tmp_path / "U"
    with open_archive(a) as ar:
        good = ar.save(new_version(6)).id
        v = new_version(7)
        v.url = "https://news.example.org/nb\u00a0sp"
        bad = ar.save(v).id
    out = tmp_path / "u.age"
    r = mirror("pack", "--all", "-o", str(out), "-r", world["rcp"], archive=a)
    assert r.returncode == 0 and bad in r.stderr, r.stderr
    r = mirror("unpack", str(out), "-i", str(world["key"]), "--json", archive=tmp_path / "B")
    assert r.returncode == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)["articles"]] == [good]


# -- 6. linear-time inline image scan -----------------------------------------------------


def test_inline_scan_is_linear():
    """A 64 MiB page (the page cap) of 400,000 small inline images and no
    single quote: the old scan searched to the page's end for a quote from
    every image, some 13 TB of memchr (tens of minutes); linear, it takes
    seconds. The timeout is a hang guard, not a speed target."""
    code = (
        "import base64, hashlib\n"
        "from mirror.bundle.verify import inline_digests\n"
        "imgs = [hashlib.sha256(str(i).encode()).digest() * 3 for i in range(400_000)]\n"
        "page = b''.join(b'<img src=\"data:image/png;base64,' + base64.b64encode(d) + b'\">' for d in imgs)\n"
        "page = page * 1\n"
        "found = inline_digests(page)\n"
        "assert len(found) == 400_000, len(found)\n"
        "print(len(page))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert 60 << 20 < int(r.stdout) <= 64 << 20


def test_inline_scan_finds_images_between_quotes_of_both_kinds():
    import base64
    from mirror.bundle.verify import inline_digests
    a, b = b"first image bytes", b"second image"
    page = (b"<img src='data:image/png;base64," + base64.b64encode(a) + b"'>"
            b'<img src="data:image/png;base64,' + base64.b64encode(b) + b'">'
            b'<p>data:image/png;base64,AAAA not closed by a quote</p>')
    found = inline_digests(page)
    assert found == {hashlib.sha256(a).hexdigest(): len(a), hashlib.sha256(b).hexdigest(): len(b)}


# -- 7. deeply nested JSON ------------------------------------------------------------------


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_deep_manifest_refused(world, target):
    files = files_of(world["plain"])
    files[layout.MANIFEST] = DEEP
    refused(world, target, zipped(files), "nested too deeply")


def test_deep_article_json_refused(world, target):
    aid = world["ids"][0]

    def edit(f):
        f[layout.article_json(aid)] = b'{"url": ' + DEEP + b"}"
    files = files_of(world["plain"])
    edit(files)
    man = json.loads(files[layout.MANIFEST])
    for a in man["articles"]:
        for n in a["files"]:
            a["files"][n] = {"sha256": hashlib.sha256(files[n]).hexdigest(), "size": len(files[n])}
    files[layout.MANIFEST] = json.dumps(man).encode()
    refused(world, target, zipped(files), "nested too deeply")


def test_deep_signature_json_refused(world, target):
    files = files_of(world["signed"])
    files[layout.SIGNATURE] = DEEP
    refused(world, target, zipped(files), "nested too deeply")


def test_deep_jsonld_does_not_break_import_html(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(b'<html><head><script type="application/ld+json">' + DEEP + b"</script></head><body>"
                     b"<article><h1>Title</h1><p>" + b"Words of the article body. " * 40 + b"</p></article></body></html>")
    r = mirror("import-html", str(page), "--url", "https://news.example.org/deep", archive=tmp_path / "A")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr


# -- 8. small bombs, reserved names, huge images, loose types ----------------------------------


def test_small_entry_bomb_refused(world, target):
    aid = world["ids"][0]
    refused(world, target, rebuild(world["plain"], lambda f: f.update({f"articles/{aid}/filler.bin": bytes(1 << 20)})),
            "compression bomb")


def _first_asset_named(world, name: str) -> bytes:
    """The plain bundle with its first article's first asset renamed."""
    aid = world["ids"][0]

    def fn(d):
        d["assets"][0]["name"] = name
    return rebuild(world["plain"], lambda f: edit_article(f, aid, fn))


@pytest.mark.parametrize("name", ["CON.png", "nul.jpg", "com1.gif"])
def test_windows_reserved_asset_names_refused(world, target, name):
    refused(world, target, _first_asset_named(world, name), "bad or duplicate asset name")


@pytest.mark.parametrize("name", ["CON", "aux.txt", "x.", "LPT9.html"])
def test_windows_reserved_entry_names_refused(world, target, name):
    aid = world["ids"][0]
    refused(world, target, rebuild(world["plain"], lambda f: f.update({f"articles/{aid}/{name}": b"x"})), "bundle refused")


def _png_declaring(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    idat = zlib.compress(b"\0" * 64)
    return (b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", len(idat)) + b"IDAT" + idat
            + struct.pack(">I", zlib.crc32(b"IDAT" + idat)) + b"\0\0\0\0IEND\xaeB`\x82")


def test_huge_declared_image_refused(world, target):
    aid = world["ids"][0]
    data = _png_declaring(40_000, 40_000)
    sha = hashlib.sha256(data).hexdigest()
    name = f"{sha[:16]}.png"

    def edit(f):
        f[layout.asset_path(aid, name)] = data
        edit_article(f, aid, lambda d: d["assets"].append(
            {"name": name, "sha256": sha, "mime": "image/png", "size": len(data), "source_url": ""}))
    refused(world, target, rebuild(world["plain"], edit), "40000x40000")


@pytest.mark.parametrize("version", [True, 1.0, "1"])
def test_manifest_version_must_be_the_integer_1(world, target, version):
    files = files_of(world["plain"])
    man = json.loads(files[layout.MANIFEST])
    man["version"] = version
    files[layout.MANIFEST] = json.dumps(man).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    refused(world, target, buf.getvalue(), "unsupported version")


# -- 9. altered self-decrypting page -----------------------------------------------------------


def test_altered_html_page_warns_and_fails_with_trust(world, tmp_path):
    out = tmp_path / "b.html"
    pf = tmp_path / "pass"
    pf.write_text("correct horse battery staple and more words\n")
    with open_archive(world["tmp"] / "A") as ar:
        htmlbundle.pack(ar, world["ids"], out, pf.read_text().strip(), sign_key=world["sk"])
    ok = mirror("inspect", str(out), "--passphrase-file", str(pf), "--trust", str(world["trust"]),
                archive=tmp_path / "none")
    assert ok.returncode == 0 and "warning" not in ok.stderr, ok.stderr
    text = out.read_bytes()
    altered = text.replace(htmlbundle.csp().encode(), b"default-src *", 1)
    assert altered != text
    out.write_bytes(altered)
    warn = mirror("inspect", str(out), "--passphrase-file", str(pf), archive=tmp_path / "none")
    assert warn.returncode == 0 and "differs from the code this version" in warn.stderr, warn.stderr
    bad = mirror("inspect", str(out), "--passphrase-file", str(pf), "--trust", str(world["trust"]),
                 archive=tmp_path / "none")
    assert bad.returncode == 2 and "differs from the code this version" in bad.stderr, bad.stderr


# -- 10. traces: temp names, signals, bidi -----------------------------------------------------


def test_pack_temp_name_is_neutral(tmp_path):
    import re
    with pack.atomic_output(tmp_path / "out.age") as f:
        f.write(b"x")
        names = os.listdir(tmp_path)
    assert len(names) == 1 and re.fullmatch(r"\.[a-z]{12}", names[0]), names
    assert os.listdir(tmp_path) == ["out.age"]


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_pack_temp_file_removed_on_signal(tmp_path, sig):
    code = ("import os, signal, sys, time\n"
            "from mirror.bundle import pack\n"
            "with pack.atomic_output(sys.argv[1]) as f:\n"
            "    f.write(b'half a bundle')\n"
            f"    os.kill(os.getpid(), signal.{sig})\n"
            "    time.sleep(30)\n")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out.age")], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0
    assert os.listdir(tmp_path) == [], r.stderr


def test_bidi_controls_escaped_in_inspect_and_ls(world, target, tmp_path):
    aid = world["ids"][0]
    title = "Safe title \u202egnp.exe\u2066 \u200b"
    plain = rebuild(world["plain"], lambda f: edit_article(f, aid, lambda d: d.update(title=title)))
    bundle = encrypt(world, plain, "bidi.age")
    r = mirror("inspect", str(bundle), "-i", str(world["key"]), archive=target)
    assert r.returncode == 0, r.stderr
    assert "<U+202E>" in r.stdout and "\u202e" not in r.stdout and "\u2066" not in r.stdout and "\u200b" not in r.stdout
    assert mirror("unpack", str(bundle), "-i", str(world["key"]), archive=target).returncode == 0
    r = mirror("ls", archive=target)
    assert "<U+202E>" in r.stdout and "\u202e" not in r.stdout, r.stdout


# -- 11. one asset-name rule -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["photo.png", "IMAGE.JPEG", "0123456789abcdef.png"])
def test_asset_names_follow_the_sanitisers_rule(world, target, name):
    refused(world, target, _first_asset_named(world, name), "bad or duplicate asset name")


def test_asset_rule_is_shared():
    from mirror import assets, sanitize
    assert layout.ASSET_NAME_RE is assets.NAME_RE and sanitize.ASSET_RE is assets.SRC_RE


def test_next_open_removes_what_a_killed_unpack_left(world, target):
    """A killed unpack left blobs and its journal (no process holds its lock);
    the next open of the archive deletes those blobs no row refers to, and
    keeps a blob a live import's journal lists and every blob a row refers to."""
    import fcntl
    from mirror.store import orphans

    with open_archive(target) as ar:
        orphan = ar.put_blob(b"an image a killed unpack stored" * 1000)
        kept = ar.put_blob(b"an image a running unpack relies on")
        used = ar.get(ar.ids()[0]).assets[0].sha256
        dead = ar.blobs.tmp / ".deadimporter.j"
        dead.write_text(f"{orphan}\n{kept}\n{used}\n")
        live = ar.blobs.tmp / ".liveimporter.j"
        live.write_text(f"{kept}\n")
        fd = os.open(live, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)  # as the running importer holds it
        try:
            r = subprocess.run([sys.executable, "-c", "import sys\nfrom mirror.store import Archive\n"
                                "with Archive.open(sys.argv[1]) as ar: print(len(ar.ids()))", str(target)],
                               capture_output=True, text=True, timeout=120)
        finally:
            os.close(fd)
        assert r.returncode == 0, r.stderr
        assert not ar.blob_path(orphan).exists() and not dead.exists()
        assert ar.blob_path(kept).exists() and ar.blob_path(used).exists() and live.exists()
        assert ar.integrity() == []
    bundle = encrypt(world, world["plain"], "after.age")
    assert mirror("unpack", str(bundle), "-i", str(world["key"]), archive=target).returncode == 0
    with open_archive(target) as ar:  # unpack sweeps too: the live journal's owner is gone now
        assert not live.exists() and not ar.blob_path(kept).exists()
        assert [p.name for p in (ar.blobs.tmp).iterdir()] == []
