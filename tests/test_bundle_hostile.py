"""Hostile bundles: each is refused with exit 2 and one line, and the
archive it was unpacked into is byte-for-byte unchanged."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from bundleutil import age_keypair, make_archive, new_version, target, tree_digest  # target: a fixture
from conftest import mirror_argv, run_mirror, open_archive
from mirror.bundle import layout, pack, signing, unpack
from mirror.config import Config
from mirror.errors import VerificationError

pytestmark = pytest.mark.agecli


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    ids = make_archive(tmp / "A", 3)
    key, rcp = age_keypair(tmp)
    sk = signing.generate()
    with open_archive(tmp / "A") as ar:
        plain = b"".join(pack.payload(ar, sorted(ids), sign_key=sk))
        other = b"".join(pack.payload(ar, sorted(ids)[:1], sign_key=sk))
    return {"tmp": tmp, "ids": sorted(ids), "key": key, "rcp": rcp, "plain": plain, "other": other}


def entries(plain: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    zf = zipfile.ZipFile(io.BytesIO(plain))
    return [(i, zf.read(i)) for i in zf.infolist()]


def build(items) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info, data in items:
            zi = info if isinstance(info, zipfile.ZipInfo) else zipfile.ZipInfo(info)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return buf.getvalue()


def encrypt(world, plain: bytes, name: str) -> Path:
    out = world["tmp"] / name
    subprocess.run(["age", "-r", world["rcp"], "-o", str(out)], input=plain, check=True)
    return out


def refused(world, target: Path, bundle: Path, needle: str, *extra: str) -> None:
    before = tree_digest(target, skip_tmp=False)
    r = run_mirror("unpack", str(bundle), "-i", str(world["key"]), *extra, archive=target)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert needle in r.stderr, r.stderr
    assert tree_digest(target, skip_tmp=False) == before


def refused_inproc(world, target: Path, plain: bytes, needle: str, cfg: Config | None = None) -> None:
    bundle = encrypt(world, plain, "case.age")
    before = tree_digest(target, skip_tmp=False)
    with open_archive(target) as ar:
        with pytest.raises(VerificationError) as e:
            unpack.check(ar, bundle, unpack.Secrets((str(world["key"]),)), cfg or Config(target), (), True)
    assert e.value.exit_code == 2 and "\n" not in str(e.value)
    assert needle in str(e.value), str(e.value)
    assert tree_digest(target, skip_tmp=False) == before


def test_valid_bundle_imports(world, target):
    bundle = encrypt(world, world["plain"], "ok.age")
    r = run_mirror("unpack", str(bundle), "-i", str(world["key"]), archive=target)
    assert r.returncode == 0, r.stderr


def test_flipped_byte(world, target):
    data = bytearray(encrypt(world, world["plain"], "f.age").read_bytes())
    data[len(data) // 2] ^= 0x01
    (world["tmp"] / "flip.age").write_bytes(data)
    refused(world, target, world["tmp"] / "flip.age", "payload chunk 0 failed to authenticate")


def test_truncated(world, target):
    data = encrypt(world, world["plain"], "t.age").read_bytes()
    (world["tmp"] / "trunc.age").write_bytes(data[:-100])
    refused(world, target, world["tmp"] / "trunc.age", "payload chunk 0 failed to authenticate")


def test_wrong_key(world, target, tmp_path):
    _, rcp2 = age_keypair(tmp_path)
    out = tmp_path / "wrong.age"
    subprocess.run(["age", "-r", rcp2, "-o", str(out)], input=world["plain"], check=True)
    refused(world, target, out, "wrong.age is not encrypted to the identity given (-i): wrong key")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "articles\\x\\evil", "C:/evil",
                                  "articles/./x", "articles//x"])
def test_bad_names(world, target, name):
    plain = build(entries(world["plain"]) + [(name, b"evil")])
    refused(world, target, encrypt(world, plain, "name.age"), "bundle refused")


def test_symlink_entry(world, target):
    link = zipfile.ZipInfo(f"articles/{world['ids'][0]}/assets/link.png")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    refused_inproc(world, target, build(entries(world["plain"]) + [(link, b"/etc/passwd")]), "symlink")


def test_duplicate_entry(world, target):
    items = entries(world["plain"])
    dup = [(i.filename, d) for i, d in items if i.filename == "index.html"]
    with pytest.warns(UserWarning):
        plain = build(items + dup)
    refused_inproc(world, target, plain, "duplicate entry")


def test_case_clash(world, target):
    refused_inproc(world, target, build(entries(world["plain"]) + [("INDEX.html", b"x")]), "duplicate entry")


def test_wrong_hash(world, target):
    items = []
    for info, data in entries(world["plain"]):
        if info.filename.endswith("/index.html"):
            data = data.replace(b"Paragraph two", b"Paragraph 2!!", 1)
        items.append((info, data))
    refused_inproc(world, target, build(items), "does not match its hash")


def _with_manifest(world, edit, resign: bool = False) -> bytes:
    items = []
    for info, data in entries(world["plain"]):
        if info.filename == "manifest.json":
            doc = json.loads(data)
            edit(doc)
            data = json.dumps(doc).encode()
        items.append((info, data))
    return build(items)


def test_missing_hash(world, target):
    def edit(doc):
        first = doc["articles"][0]["files"]
        first[next(iter(first))].pop("sha256")
    refused_inproc(world, target, _with_manifest(world, edit), "manifest.json")


def test_manifest_lists_absent_file(world, target):
    items = [(i, d) for i, d in entries(world["plain"]) if not i.filename.endswith("/index.html")]
    refused_inproc(world, target, build(items), "absent")


def test_unlisted_file(world, target):
    refused_inproc(world, target, build(entries(world["plain"]) + [("extra.txt", b"hi")]), "not listed")


def test_bad_signature(world, target):
    items = []
    for info, data in entries(world["plain"]):
        if info.filename == "signature.json":
            doc = json.loads(data)
            sig = bytearray(__import__("base64").b64decode(doc["signature"]))
            sig[0] ^= 1
            doc["signature"] = __import__("base64").b64encode(bytes(sig)).decode()
            data = json.dumps(doc).encode()
        items.append((info, data))
    refused_inproc(world, target, build(items), "bad signature")


def test_swapped_signature(world, target):
    theirs = dict((i.filename, d) for i, d in entries(world["other"]))["signature.json"]
    items = [(i, theirs if i.filename == "signature.json" else d) for i, d in entries(world["plain"])]
    refused_inproc(world, target, build(items), "bad signature")


def test_edited_manifest_breaks_signature(world, target):
    refused_inproc(world, target, _with_manifest(world, lambda d: d["articles"].pop()), "bad signature")


def test_nonzero_padding(world, target):
    items = [(i, b"\x01" * len(d) if i.filename == layout.PADDING else d) for i, d in entries(world["plain"])]
    refused_inproc(world, target, build(items), "padding")


def test_article_json_inconsistent_even_if_rehashed(world, target):
    """Without a signature an attacker can fix every hash; article.json is
    still checked against its own content hash."""
    import hashlib

    aid = world["ids"][0]
    items, new_json = [], None
    for info, data in entries(world["plain"]):
        if info.filename == layout.article_json(aid):
            doc = json.loads(data)
            doc["text"] = "Something the author never wrote."
            data = new_json = json.dumps(doc).encode()
        if info.filename != "signature.json":
            items.append((info, data))

    def rehash(doc):
        ref = doc["articles"][[a["id"] for a in doc["articles"]].index(aid)]["files"][layout.article_json(aid)]
        ref.update(sha256=hashlib.sha256(new_json).hexdigest(), size=len(new_json))

    plain = build(items)
    world2 = dict(world, plain=plain)
    refused_inproc(world, target, _with_manifest(world2, rehash), "content_hash")


def test_payload_over_cap(world, target):
    from mirror.config import BundleConfig

    cfg = Config(target, bundle=BundleConfig(max_payload_bytes=1000))
    refused_inproc(world, target, world["plain"], "larger than the limit", cfg)


def test_contents_past_the_payload_cap_import_while_the_zip_is_within_it(world, target):
    """All entries together may hold more than bundle.max_payload_bytes (a
    100,000-article bundle holds over 4 GiB of pages): up to 16x the ZIP."""
    from mirror.config import BundleConfig

    contents = sum(len(d) for _, d in entries(world["plain"]))
    assert contents > len(world["plain"])  # pages deflate
    cfg = Config(target, bundle=BundleConfig(max_payload_bytes=len(world["plain"])))
    with open_archive(target) as ar:
        unpack.check(ar, encrypt(world, world["plain"], "fits.age"), unpack.Secrets((str(world["key"]),)),
                     cfg, (), True)
        assert set(world["ids"]) <= set(ar.ids())


def test_many_small_bombs_are_refused_by_the_contents_limit(world, target):
    """Each entry expands ~125x (under the per-entry 200x), together far past
    16x the ZIP: refused before any is read."""
    from mirror.config import BundleConfig

    items = [(i.filename, d) for i, d in entries(world["plain"])]
    items += [(f"articles/{world['ids'][0]}/assets/b{k}.png", os.urandom(1000) + bytes(150_000)) for k in range(40)]
    plain = build(items)
    cfg = Config(target, bundle=BundleConfig(max_payload_bytes=len(plain)))
    refused_inproc(world, target, plain, "contents exceed the limit", cfg)


def test_too_many_entries(world, target):
    from mirror.config import BundleConfig

    cfg = Config(target, bundle=BundleConfig(max_entries=3))
    refused_inproc(world, target, world["plain"], "more than the limit", cfg)


@pytest.mark.slow
def test_zip_bomb(world, target):
    """1 GiB of zeros, deflated to ~1 MB, built without holding it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info, data in entries(world["plain"]):
            zf.writestr(info, data)
        zi = zipfile.ZipInfo(f"articles/{world['ids'][0]}/assets/bomb.png")
        zi.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(zi, "w") as f:
            block = bytes(1 << 20)
            for _ in range(1024):
                f.write(block)
    assert len(buf.getvalue()) < 3 << 20
    refused(world, target, encrypt(world, buf.getvalue(), "bomb.age"), "compression bomb")


@pytest.mark.slow
def test_kill_during_unpack_leaves_archive_as_it_was(world, tmp_path):
    """SIGKILL at several points of a larger unpack: the archive is either
    untouched or has the whole bundle; after `gc` (which clears the temp file
    and blobs no row names) it is byte-for-byte what it was or complete."""
    big = tmp_path / "big"
    with open_archive(big) as ar:
        for i in range(60):
            nv = new_version(1000 + i, text="words " * 20000)
            ar.save(nv)
        plain = b"".join(pack.payload(ar, ar.ids()))
    bundle = encrypt(world, plain, "big.age")
    start = time.monotonic()
    b0 = tmp_path / "probe"
    assert run_mirror("unpack", str(bundle), "-i", str(world["key"]), archive=b0).returncode == 0
    full = time.monotonic() - start
    seen = set()
    for frac in (0.1, 0.35, 0.6, 0.8, 0.95):
        b = tmp_path / f"B{frac}"
        with open_archive(b) as ar:
            ar.save(new_version(99))
        assert run_mirror("gc", archive=b).returncode == 0
        before = tree_digest(b, skip_tmp=False, dirs=False)
        p = subprocess.Popen(mirror_argv("unpack", bundle, "-i", world["key"], archive=b),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=dict(os.environ, MIRROR_CONFIG=os.devnull))
        time.sleep(full * frac)
        p.send_signal(signal.SIGKILL)
        p.wait()
        with open_archive(b) as ar:
            n = len(ar.ids())
            assert ar.integrity() == []
            ar.gc()
        assert n in (1, 61)  # all or nothing
        if n == 1:
            assert tree_digest(b, skip_tmp=False, dirs=False) == before
        seen.add(n)
    assert 1 in seen  # at least one kill landed mid-unpack, or the test proved nothing


def test_manifest_title_must_match_article(world, target):
    """Unsigned, an attacker can rewrite the manifest; what inspect shows
    must still be what would be imported."""
    items = [(i, d) for i, d in entries(world["plain"]) if i.filename != "signature.json"]
    plain = build(items)

    def edit(doc):
        doc["articles"][0]["title"] = "A headline the article does not have"
    refused_inproc(world, target, _with_manifest(dict(world, plain=plain), edit), "title differs")


def _unsigned_with(world, extra: dict[str, bytes]) -> bytes:
    """The valid bundle plus files, listed in a rewritten (unsigned) manifest."""
    import hashlib

    items = [(i, d) for i, d in entries(world["plain"]) if i.filename != "signature.json"]

    def edit(doc):
        art = doc["articles"][0]
        for name, data in extra.items():
            art["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return _with_manifest(dict(world, plain=build(items + list(extra.items()))), edit)


def test_history_version_of_another_url(world, target):
    aid = world["ids"][0]
    doc = json.loads(dict((i.filename, d) for i, d in entries(world["plain"]))[layout.article_json(aid)])
    other = new_version(12345)
    doc.update(url=other.url, content_hash=None)
    from mirror.model import content_hash
    doc["content_hash"] = content_hash(doc["url"], doc["title"], doc["byline"], doc["published"], doc["modified"],
                                       doc["lang"], doc["site_name"], doc["text"], doc["html"],
                                       [a["sha256"] for a in doc["assets"]])
    plain = _unsigned_with(world, {layout.version_json(aid, 1): json.dumps(doc).encode()})
    refused_inproc(world, target, plain, "URL differs")


def test_history_duplicate_of_latest(world, target):
    aid = world["ids"][0]
    same = dict((i.filename, d) for i, d in entries(world["plain"]))[layout.article_json(aid)]
    plain = _unsigned_with(world, {layout.version_json(aid, 1): same})
    refused_inproc(world, target, plain, "same version twice")


def test_damaged_zip_inside_valid_encryption(world, target):
    plain = bytearray(world["plain"])
    first = zipfile.ZipFile(io.BytesIO(bytes(plain))).infolist()[0]
    plain[first.header_offset + 30 + len(first.filename) + 5] ^= 0xFF  # inside its deflate stream
    refused(world, target, encrypt(world, bytes(plain), "damaged.age"), "bundle refused")


def test_not_a_zip_at_all(world, target):
    refused(world, target, encrypt(world, os.urandom(5000), "noise.age"), "not a valid ZIP")
