"""ZIP64: more than 65,535 entries, sizes and offsets past 4 GiB. Our writer
emits it only where a value does not fit, every reader (zipfile, `unzip -t`,
our strict container check) accepts it, and the strict check refuses ZIP64
records that could make two readers see two different archives."""

from __future__ import annotations

import io
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

import ziputil
from conftest import needs_tools, open_archive
from mirror.bundle import container, verify
from mirror.crypto.padding import padme
from mirror.bundle.zipread import ZipReader
from mirror.bundle.zipwriter import ZipWriter
from mirror.config import BundleConfig
from mirror.errors import VerificationError

END = struct.Struct("<IHHHHIIH")
END64 = struct.Struct("<IQHHIIQQQQ")
LOCATOR = struct.Struct("<IIQI")


def tiny_zip(n: int, zip64_end: bool = False, pad: bool = False) -> bytes:
    """`n` small entries, every third deflated."""
    z = ZipWriter(zip64_end=zip64_end)
    out = bytearray()
    for i in range(n):
        for chunk in z.entry(f"e/{i:06d}.txt", f"entry {i} ".encode() * (1 + i % 3), i % 3 == 0):
            out += chunk
    if pad:
        for chunk in z.zeros("zz-padding", z.padding_for("zz-padding", padme)):
            out += chunk
    for chunk in z.finish():
        out += chunk
    assert z.offset == len(out)
    return bytes(out)


def end_fields(data: bytes) -> tuple:
    return END.unpack(data[-END.size:])


def accepted(data: bytes) -> zipfile.ZipFile:
    """Our strict reader takes it, and so does zipfile, entry by entry the same."""
    f = io.BytesIO(data)
    d = container.directory(f, container.end_record(f))
    zf = zipfile.ZipFile(f)
    assert list(d.names) == zf.namelist()
    ours = ZipReader(f, d)
    for info in zf.infolist():
        i = d.index(info.filename)
        assert (d.crc[i], d.csize[i], d.usize[i], d.header_offset[i]) == (
            info.CRC, info.compress_size, info.file_size, info.header_offset)
        if info.file_size < 1 << 20:
            assert ours.read(info.filename) == zf.read(info)
    return zf


def refused(data: bytes, needle: str = "not a plain sequential ZIP") -> None:
    f = io.BytesIO(data)
    with pytest.raises(VerificationError, match=needle):
        container.directory(f, container.end_record(f))


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("zip64") / "many.zip"
    path.write_bytes(tiny_zip(70_000, pad=True))
    return path


def test_more_than_65535_entries_is_zip64_and_zipfile_reads_them_all(many):
    data = many.read_bytes()
    sig, _, _, here, total, _, _, _ = end_fields(data)
    assert (here, total) == (0xFFFF, 0xFFFF)  # see the ZIP64 end record
    assert LOCATOR.unpack(data[-END.size - LOCATOR.size:-END.size])[0] == 0x07064B50
    zf = accepted(data)
    names = zf.namelist()
    assert len(names) == 70_001 and names[69_999] == "e/069999.txt" and names[-1] == "zz-padding"
    assert zf.read("e/069999.txt") == b"entry 69999 " * 1
    assert zf.testzip() is None
    assert len(data) == padme(len(data))  # padding counts the ZIP64 records too


@needs_tools("unzip")
def test_unzip_tests_our_zip64_output(many):
    out = subprocess.run(["unzip", "-t", str(many)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    assert "No errors detected" in out.stdout and "e/069999.txt" in out.stdout


def test_zip64_only_where_needed():
    """65,534 entries fit the plain end record (byte-identical to before
    ZIP64); 65,535 would read as its sentinel, so that is ZIP64."""
    plain = tiny_zip(65_534)
    assert end_fields(plain)[3:5] == (65_534, 65_534)
    assert b"PK\x06\x06" not in plain[-200:]
    accepted(plain)
    assert end_fields(tiny_zip(65_535))[3:5] == (0xFFFF, 0xFFFF)
    assert len(accepted(tiny_zip(65_535)).infolist()) == 65_535


@pytest.mark.slow
@needs_tools("unzip")
def test_sizes_and_offsets_past_4_gib(tmp_path):
    """A 4 GiB + 10 entry (ZIP64 sizes in its local header and central
    record) and an entry after it (ZIP64 offset; the central directory past
    4 GiB: ZIP64 end record). Written sparse: zero blocks are skipped."""
    big = (1 << 32) + 10
    z = ZipWriter()
    path = tmp_path / "big.zip"
    with open(path, "wb") as f:
        for chunk in z.zeros("big.bin", big, chunk=1 << 22):
            if chunk.count(0) == len(chunk) and len(chunk) > 1000:
                f.seek(len(chunk), 1)
            else:
                f.write(chunk)
        for chunk in z.entry("after.txt", b"after the big one\n", True):
            f.write(chunk)
        for chunk in z.finish():
            f.write(chunk)
    assert path.stat().st_size == z.offset > big
    with open(path, "rb") as f:
        end = container.end_record(f)
        assert end.zip64 and end.cd_offset > 1 << 32
        d = container.directory(f, end)
        assert d.usize[d.index("big.bin")] == big and d.header_offset[d.index("after.txt")] > 1 << 32
        assert ZipReader(f, d).read("after.txt") == b"after the big one\n"
        zf = zipfile.ZipFile(f)
        info = {i.filename: i for i in zf.infolist()}
        assert info["big.bin"].file_size == big and info["after.txt"].header_offset > 1 << 32
        assert zf.read("after.txt") == b"after the big one\n"
    out = subprocess.run(["unzip", "-t", str(path), "after.txt"], capture_output=True, text=True)
    assert out.returncode == 0 and "No errors" in out.stdout, out.stdout + out.stderr
    out = subprocess.run(["unzip", "-l", str(path)], capture_output=True, text=True)
    assert out.returncode == 0 and str(big) in out.stdout, out.stdout


# -- the strict reader on ZIP64 records -----------------------------------------------

def _small64() -> bytes:
    data = tiny_zip(3, zip64_end=True)
    assert data[-END.size - LOCATOR.size - END64.size:][:4] == b"PK\x06\x06"
    return data


def _edit_end64(data: bytes, **values) -> bytes:
    """The ZIP with fields of its ZIP64 end record (or its locator) replaced."""
    at = len(data) - END.size - LOCATOR.size - END64.size
    names = ("sig", "size", "made", "need", "disk", "cd_disk", "here", "total", "cd_size", "cd_off")
    rec = dict(zip(names, END64.unpack_from(data, at)))
    loc = dict(zip(("sig", "disk", "offset", "disks"), LOCATOR.unpack_from(data, at + END64.size)))
    for k, v in values.items():
        (loc if k.startswith("loc_") else rec)[k.removeprefix("loc_")] = v
    return (data[:at] + END64.pack(*rec.values()) + LOCATOR.pack(*loc.values()) + data[-END.size:])


def test_forced_zip64_end_is_accepted():
    zf = accepted(_small64())
    assert len(zf.infolist()) == 3


@pytest.mark.parametrize("edit", [
    {"total": 4, "here": 4},  # the end record says 3
    {"cd_off": 1},  # bytes before the central directory
    {"size": 45},  # extensible data
    {"loc_offset": 0},  # the locator points elsewhere
    {"loc_disks": 2},
    {"disk": 1},
])
def test_inconsistent_zip64_end_records_refused(edit):
    refused(_edit_end64(_small64(), **edit))


def test_end_record_disagreeing_with_zip64_record_refused():
    data = bytearray(_small64())
    struct.pack_into("<HH", data, len(data) - END.size + 8, 2, 2)  # 2 entries, not 3 nor the sentinel
    refused(bytes(data), "disagree")


def test_zip64_sentinel_without_a_zip64_end_record_refused():
    data = bytearray(tiny_zip(3))
    struct.pack_into("<HH", data, len(data) - END.size + 8, 0xFFFF, 0xFFFF)
    with pytest.raises(VerificationError):
        f = io.BytesIO(bytes(data))
        container.end_record(f)


def test_central_sentinel_without_zip64_extra_refused():
    """zipfile keeps 0xFFFFFFFF as the size when no ZIP64 field follows;
    another reader may not: refused."""
    entries = [ziputil.stored("a.txt", b"hello")]
    entries[0].central = {"usize": 0xFFFFFFFF}
    refused(ziputil.write(entries))


def test_count_is_checked_before_the_central_directory_is_parsed(monkeypatch):
    """A 200-byte ZIP claiming ten million entries is refused from its end
    records alone: zipfile never parses a directory that size."""
    data = bytearray(_edit_end64(_small64(), here=10_000_000, total=10_000_000))
    struct.pack_into("<HH", data, len(data) - END.size + 8, 0xFFFF, 0xFFFF)
    data = bytes(data)
    monkeypatch.setattr(verify.container, "directory", lambda *a, **k: pytest.fail("parsed before the count check"))
    with pytest.raises(VerificationError, match="more than the limit"):
        verify.verify(io.BytesIO(data), BundleConfig())


def test_entry_limit_grows_with_the_bundle_but_not_with_tiny_entries():
    """No fixed ceiling: 210,000 entries of a real size are let through to
    the next check (here: no manifest); the same count in a ZIP of empty
    entries (~100 bytes each) is refused, and max_entries still caps."""
    z = ZipWriter()
    out = bytearray()
    for i in range(210_000):
        for chunk in z.entry(f"e/{i:07d}.json", bytes(200), False):
            out += chunk
    for chunk in z.finish():
        out += chunk
    with pytest.raises(VerificationError, match="no manifest.json"):
        verify.verify(io.BytesIO(bytes(out)), BundleConfig())
    with pytest.raises(VerificationError, match="more than the limit of 1000 "):
        verify.verify(io.BytesIO(bytes(out)), BundleConfig(max_entries=1000))
    empty = ZipWriter()
    small = bytearray()
    for i in range(210_000):
        for chunk in empty.entry(f"e/{i:07d}", b"", False):
            small += chunk
    for chunk in empty.finish():
        small += chunk
    with pytest.raises(VerificationError, match="more than the limit"):
        verify.verify(io.BytesIO(bytes(small)), BundleConfig())


# -- end to end -----------------------------------------------------------------------

# Each article carries 32 images its page does not show (so as assets/ files,
# one entry each; the same 32 blobs throughout, cheap to store), plus its
# article.json and page: 1,930 x 34 + index.html, manifest.json, zz-padding.
ARTICLES, PICTURES = 1_930, 32
ENTRIES = ARTICLES * (PICTURES + 2) + 3


def article(i: int, pictures: list):
    from mirror.model import NewVersion

    return NewVersion(url=f"https://many.example.org/{i}", title=f"Note {i}", byline=None, published=None,
                      modified=None, lang="en", site_name=None, text=f"Note {i}.", html=f"<p>Note {i}.</p>",
                      captured="2026-01-01T00:00:00Z", lead_image=None, assets=list(pictures))


@pytest.mark.slow
@pytest.mark.agecli
@needs_tools("age", "unzip")
def test_bundle_of_more_than_65535_entries_packs_and_unpacks(tmp_path):
    """pack --all writes a ZIP64 bundle (before, it failed at the end with
    "too many entries"), unzip -t accepts its plaintext, and unpack into an
    empty archive imports every article with every image."""
    import json

    from bundleutil import age_keypair, asset, sample_png
    from conftest import run_mirror

    pictures = [asset(sample_png(k), "png", "image/png", f"https://img.example.org/{k}.png")
                for k in range(PICTURES)]
    with open_archive(tmp_path / "A") as ar:
        ar.save_many([article(i, pictures) for i in range(ARTICLES)])
        ids = sorted(ar.ids())
    key, rcp = age_keypair(tmp_path)
    r = run_mirror("pack", "-o", str(tmp_path / "b.age"), "--all", "-r", rcp, archive=tmp_path / "A")
    assert r.returncode == 0, r.stderr
    plain = subprocess.run(["age", "-d", "-i", str(key), str(tmp_path / "b.age")], capture_output=True,
                           check=True).stdout
    (tmp_path / "b.zip").write_bytes(plain)
    assert end_fields(plain)[3:5] == (0xFFFF, 0xFFFF)
    assert len(zipfile.ZipFile(io.BytesIO(plain)).infolist()) == ENTRIES > 65_535
    out = subprocess.run(["unzip", "-tq", str(tmp_path / "b.zip")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-2000:]
    r = run_mirror("unpack", str(tmp_path / "b.age"), "-i", str(key), "--json", archive=tmp_path / "B")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == ARTICLES
    with open_archive(tmp_path / "B") as ar:
        assert sorted(ar.ids()) == ids
        last = ar.get(ids[-1])
        assert len(last.assets) == PICTURES and ar.read_blob(last.assets[0].sha256)


@pytest.mark.browser
def test_self_decrypting_page_reads_a_zip64_payload(tmp_path):
    """70,000 empty entries ahead of a real bundle's: the page finds the
    manifest and the articles through the ZIP64 end record (before, it read
    the first 65,535 records and found no manifest)."""
    from playwright.sync_api import sync_playwright

    from browserutil import ARGS, CHROMIUM
    from bundleutil import make_archive
    from mirror.bundle import htmlbundle, pack
    from test_bundle_html import PASSPHRASE, Session

    ids = make_archive(tmp_path / "A", 2)
    with open_archive(tmp_path / "A") as ar:
        real = zipfile.ZipFile(io.BytesIO(b"".join(pack.payload(ar, sorted(ids)))))
        titles = [ar.get(i).title for i in ids]
    z = ZipWriter()
    out = bytearray()
    for i in range(70_000):
        out += b"".join(z.entry(f"filler/{i:06d}", b"", False))
    for info in real.infolist():
        out += b"".join(z.entry(info.filename, real.read(info), True))
    out += b"".join(z.finish())
    assert end_fields(bytes(out))[3] == 0xFFFF
    page = tmp_path / "b.html"
    with open(page, "wb") as f:
        htmlbundle.write(io.BytesIO(bytes(out)).readinto, f, PASSPHRASE, iterations=1000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        s = Session(browser, page)
        try:
            s.unlock(PASSPHRASE)
            assert s.page.inner_text("#message") == ""
            toc = s.page.inner_text("#toc")
            assert all(t in toc for t in titles), toc
            s.page.click(f"#toc a >> text={titles[0]}")
            s.page.wait_for_selector("#reader:not([hidden])")
            assert titles[0] in s.page.frame_locator("#frame").locator("h1").inner_text()
            assert s.network() == []
        finally:
            s.close()
            browser.close()
