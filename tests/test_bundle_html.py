"""`pack --format html`: one self-decrypting page. It opens from file:// in
headless Chromium, asks for the passphrase, shows every article with its
images and makes zero requests; article pages run no script even when the
sanitiser is bypassed; `mirror unpack` imports the same articles as the age
bundle (the same plaintext, byte for byte), and refuses tampered files."""

from __future__ import annotations

import base64
import getpass
import io
import json
import os
import re
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bundleutil import make_archive, new_version, sample_png, target, tree_digest  # target: a fixture
from conftest import run_mirror
from mirror.bundle import htmlbundle
from mirror.crypto import age
from mirror.errors import VerificationError
from conftest import open_archive

PASSPHRASE = "tavo-lisu-bamu-zori-kena-pudo-himu"
FIELDS = ("id", "url", "title", "byline", "published", "modified", "lang", "site_name", "lead_image",
          "text", "html", "content_hash", "assets", "captured")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    a = tmp / "A"
    ids = make_archive(a, 3)
    noise = base64.b64encode(os.urandom(150_000)).decode()  # 200 KB of text, ~150 KB deflated
    with open_archive(a) as ar:
        ids.append(ar.save(new_version(7, title="A long read", text=noise)).id)
    pw = tmp / "pw.txt"
    pw.write_text(PASSPHRASE + "\n")
    r = run_mirror("pack", "-o", str(tmp / "b.html"), "--all", "--format", "html", "--passphrase-file", str(pw),
               archive=a)
    assert r.returncode == 0, r.stderr
    r = run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "--passphrase-file", str(pw), archive=a)
    assert r.returncode == 0, r.stderr
    return {"tmp": tmp, "a": a, "ids": sorted(ids), "pw": pw, "html": tmp / "b.html", "age": tmp / "b.age"}


def plaintext_of_html(path: Path, passphrase: str = PASSPHRASE) -> bytes:
    out = io.BytesIO()
    with open(path, "rb") as f:
        htmlbundle.decrypt(f, out.write, [passphrase])
    return out.getvalue()


def split(path: Path) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """The file as (lines up to the payload tag, chunk lines, the rest)."""
    lines = path.read_bytes().split(b"\n")
    start = lines.index(htmlbundle.PAYLOAD_OPEN) + 1
    end = lines.index(b"</script>", start)
    return lines[:start], lines[start:end], lines[end:]


def join(head, chunks, tail) -> bytes:
    return b"\n".join(head + chunks + tail)


# -- the file ------------------------------------------------------------------------


def test_same_plaintext_as_the_age_bundle_and_several_chunks(world):
    plain = plaintext_of_html(world["html"])
    with open(world["age"], "rb") as f:
        out = io.BytesIO()
        age.decrypt(f, out, passphrases=[PASSPHRASE])
    assert plain == out.getvalue()  # the same padded, deterministic ZIP
    assert zipfile.ZipFile(io.BytesIO(plain)).namelist()[-1] == "zz-padding"
    head, chunks, tail = split(world["html"])
    assert len(chunks) >= 3
    assert all(len(c) == htmlbundle.B64_LINE for c in chunks[:-1])


def test_page_head_policy_and_nothing_identifying(world, tmp_path):
    data = world["html"].read_bytes()
    text = data.decode("utf-8")
    head = text[:text.index("<title>")]
    metas = re.findall(r"<meta [^>]+>", head)
    assert metas[0] == '<meta charset="utf-8">'
    assert metas[1].startswith('<meta http-equiv="Content-Security-Policy"')  # first after the charset
    assert '<meta name="referrer" content="no-referrer">' in head
    policy = re.search(r'content="([^"]+)"', metas[1]).group(1)
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    for part in ("base-uri 'none'", "form-action 'none'", "frame-src 'none'", "img-src data:;"):
        assert part in policy
    assert "blob:" not in policy and "unsafe-eval" not in policy and "'self'" not in policy
    scripts = re.findall(r"<script>(.*?)</script>", text, re.S)  # the executable ones
    assert len(scripts) == 1
    import hashlib

    assert f"'sha256-{base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()}'" in policy
    page = b"\n".join(split(world["html"])[0] + split(world["html"])[2]).decode()  # without the base64
    # The params hold a random salt and nonce in base64, which can contain "//x" by chance.
    page = re.sub(r'<script type="application/json" id="mirror-params">.*?</script>', "", page, flags=re.S)
    assert not re.search(r"(https?:)?//[a-z]", page.replace("http-equiv", ""))  # nothing remote
    # A second pack differs only in the salt, the nonce prefix and so the ciphertext.
    marked = {"USER": "zqxuser", "LOGNAME": "zqxuser", "HOME": str(tmp_path / "home-zqxhome")}
    r = run_mirror("pack", "-o", str(tmp_path / "c.html"), "--all", "--format", "html", "--passphrase-file",
               str(world["pw"]), archive=world["a"], env=marked)
    assert r.returncode == 0, r.stderr
    h1, c1, t1 = split(world["html"])
    h2, c2, t2 = split(tmp_path / "c.html")
    assert t1 == t2 and len(c1) == len(c2) and c1 != c2
    diff = [(x, y) for x, y in zip(h1, h2) if x != y]
    assert len(diff) == 1 and diff[0][0].startswith(htmlbundle.PARAMS_OPEN)
    p1, p2 = (json.loads(x[len(htmlbundle.PARAMS_OPEN):-len(b"</script>")]) for x in diff[0])
    assert {k for k in p1 if p1[k] != p2[k]} == {"salt", "nonce_prefix"}
    assert p1["iterations"] == htmlbundle.ITERATIONS == 600_000
    # The CSP's script digest is base64: a short secret (a host named "vm") turns up there by chance.
    outside = re.sub(rb"'sha256-[A-Za-z0-9+/=]{44}'", b"'sha256-'", b"\n".join(h2 + t2))
    secrets = {socket.gethostname(), str(Path.home()), str(world["a"]), str(tmp_path), "zqxuser", "zqxhome",
               "Story number", "news.example.org"}
    if getpass.getuser() != "root":
        secrets.add(getpass.getuser())
    whole = (tmp_path / "c.html").read_bytes()
    for s in secrets:
        assert s.encode() not in outside, s
        assert len(s) < 6 or s.encode() not in whole, s  # (short ones turn up in base64 by chance)
    assert not re.search(rb"\d\d:\d\d", outside)  # no time of day
    assert not re.search(rb"20\d\d-\d\d-\d\d", outside)  # no date either


@pytest.mark.parametrize("size", [0, 1, htmlbundle.CHUNK - 1, htmlbundle.CHUNK, htmlbundle.CHUNK + 1,
                                  3 * htmlbundle.CHUNK])
def test_chunk_boundaries_round_trip(tmp_path, size):
    plain = os.urandom(size)
    path = tmp_path / "x.html"
    with open(path, "wb") as f:
        assert htmlbundle.write(io.BytesIO(plain).readinto, f, PASSPHRASE, iterations=1000) == size
    head, chunks, tail = split(path)
    assert len(chunks) == max(1, -(-size // htmlbundle.CHUNK))  # a full last chunk is the final one
    assert plaintext_of_html(path) == plain
    crlf = tmp_path / "crlf.html"
    crlf.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # a transfer that changed line ends
    assert plaintext_of_html(crlf) == plain
    if len(chunks) > 1:  # re-sealed by the passphrase holder: an empty final chunk, or a short middle one
        empty = base64.b64encode(AESGCM(htmlbundle.derive_key(PASSPHRASE, *_salt_iterations(path)))
                                 .encrypt(htmlbundle.nonce(_prefix(path), len(chunks), True), b"", _raw(path)))
        relabel = [base64.b64encode(AESGCM(htmlbundle.derive_key(PASSPHRASE, *_salt_iterations(path))).encrypt(
            htmlbundle.nonce(_prefix(path), i, False), plain[i * htmlbundle.CHUNK:(i + 1) * htmlbundle.CHUNK],
            _raw(path))) for i in range(len(chunks))]
        path.write_bytes(join(head, relabel + [empty], tail))
        with pytest.raises(VerificationError, match="empty final chunk" if size % htmlbundle.CHUNK == 0
                           else "chunk 1 is short"):
            plaintext_of_html(path)


def _raw(path: Path) -> bytes:
    line = next(x for x in path.read_bytes().split(b"\n") if x.startswith(htmlbundle.PARAMS_OPEN))
    return line[len(htmlbundle.PARAMS_OPEN):-len(b"</script>")]


def _salt_iterations(path: Path):
    p = htmlbundle.parse_params(_raw(path))
    return p["salt"], p["iterations"]


def _prefix(path: Path) -> bytes:
    return htmlbundle.parse_params(_raw(path))["nonce_prefix"]


def test_parser_caps(world, tmp_path):
    head, chunks, tail = split(world["html"])
    for data, needle in [(join(head, chunks, tail) + b"<!-- -->\n" * 150_000, "too much after the payload"),
                         (_params(world, pad="x" * 2000), "not short printable ASCII"),
                         (join(head, chunks, tail).replace(b'"version":1', b'"version":1,"version":1', 1),
                          "duplicate parameter")]:
        (tmp_path / "x.html").write_bytes(data)
        with pytest.raises(VerificationError, match=needle):
            plaintext_of_html(tmp_path / "x.html")


# -- mirror unpack / inspect -----------------------------------------------------------


def test_unpack_imports_the_same_articles_as_the_age_bundle(world, tmp_path):
    r = run_mirror("inspect", str(world["html"]), "--passphrase-file", str(world["pw"]), "--json",
               archive=tmp_path / "I")
    assert r.returncode == 0, r.stderr
    assert sorted(a["id"] for a in json.loads(r.stdout)["articles"]) == world["ids"]
    r = run_mirror("unpack", str(world["html"]), "--passphrase-file", str(world["pw"]), "--json", archive=tmp_path / "H")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == len(world["ids"])
    r = run_mirror("unpack", str(world["age"]), "--passphrase-file", str(world["pw"]), archive=tmp_path / "G")
    assert r.returncode == 0, r.stderr
    with open_archive(tmp_path / "H") as H, open_archive(tmp_path / "G") as G, open_archive(world["a"]) as A:
        assert sorted(H.ids()) == sorted(G.ids()) == world["ids"]
        for aid in world["ids"]:
            h, g, a = H.get(aid), G.get(aid), A.get(aid)
            for f in FIELDS:
                assert getattr(h, f) == getattr(g, f), f
                if f != "captured":
                    assert getattr(h, f) == getattr(a, f), f
            for asset in h.assets:
                assert H.read_blob(asset.sha256) == G.read_blob(asset.sha256) == A.read_blob(asset.sha256)
        assert H.integrity() == []


def refused(world, target: Path, data: bytes, needle: str, passphrase_file: Path | None = None) -> None:
    bundle = target.parent / "case.html"
    bundle.write_bytes(data)
    before = tree_digest(target, skip_tmp=False)
    r = run_mirror("unpack", str(bundle), "--passphrase-file", str(passphrase_file or world["pw"]), archive=target)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert needle in r.stderr, r.stderr
    assert tree_digest(target, skip_tmp=False) == before


def _flip(line: bytes, at: int) -> bytes:
    b = bytearray(line)
    b[at] = ord("B") if b[at] != ord("B") else ord("C")
    return bytes(b)


def test_flipped_byte_in_the_payload(world, target):
    head, chunks, tail = split(world["html"])
    refused(world, target, join(head, chunks[:1] + [_flip(chunks[1], 5000)] + chunks[2:], tail),
            "chunk 1 failed to authenticate")
    # In the first chunk it cannot be told from a wrong passphrase.
    refused(world, target, join(head, [_flip(chunks[0], 100)] + chunks[1:], tail), "wrong passphrase")


@pytest.mark.parametrize("edit", ["drop last", "drop middle", "swap", "duplicate", "only first"])
def test_truncated_reordered_chunks(world, target, edit):
    head, chunks, tail = split(world["html"])
    c = list(chunks)
    if edit == "drop last":
        c = c[:-1]
    elif edit == "drop middle":
        del c[1]
    elif edit == "swap":
        c[0], c[1] = c[1], c[0]
    elif edit == "duplicate":
        c.insert(1, c[1])
    else:
        c = c[:1]
    refused(world, target, join(head, c, tail), "passphrase" if edit in ("swap", "only first") else
            "failed to authenticate")


def test_truncated_file_and_mangled_base64(world, target):
    data = world["html"].read_bytes()
    head, chunks, tail = split(world["html"])
    refused(world, target, data[:len(data) // 2], "line too long or file truncated")  # ends inside a chunk line
    refused(world, target, join(head, chunks, []), "truncated")
    refused(world, target, join(head, chunks, [b""]), "ends inside the payload")
    refused(world, target, join(head, chunks, tail[:2]), "does not end")
    refused(world, target, join(head, chunks[:1] + [chunks[1][:-4] + b"!!!="] + chunks[2:], tail), "not base64")
    refused(world, target, join(head, chunks[:1] + [chunks[1] + b"AAAA"] + chunks[2:], tail), "too long")


def _params(world, **change) -> bytes:
    head, chunks, tail = split(world["html"])
    i = next(n for n, line in enumerate(head) if line.startswith(htmlbundle.PARAMS_OPEN))
    doc = json.loads(head[i][len(htmlbundle.PARAMS_OPEN):-len(b"</script>")])
    doc.update(change)
    head[i] = htmlbundle.PARAMS_OPEN + json.dumps(doc, separators=(",", ":")).encode() + b"</script>"
    return join(head, chunks, tail)


def test_iteration_count_above_the_cap_is_refused_before_any_work(world, target):
    t = time.monotonic()
    refused(world, target, _params(world, iterations=2_000_000_000), "above the limit")
    assert time.monotonic() - t < 5  # 2e9 PBKDF2 rounds would take over an hour
    refused(world, target, _params(world, iterations=600_001), "wrong passphrase")  # bound as AAD
    refused(world, target, _params(world, iterations=0), "bad iteration count")
    refused(world, target, _params(world, chunk_size=1 << 20), "chunk size")
    refused(world, target, _params(world, salt="AAAA"), "salt must be 16 bytes")
    refused(world, target, _params(world, extra=1), "unknown fields")


def test_wrong_passphrase_and_foreign_html(world, target, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("not-the-passphrase\n")
    refused(world, target, world["html"].read_bytes(), "wrong passphrase", bad)
    refused(world, target, b"<!DOCTYPE html>\n<p>hello</p>\n", "no encrypted payload")
    refused(world, target, b"<!doctype html>\n" + b"<p>x</p>\n" * 40000, "no encrypted payload")  # head cap
    refused(world, target, b"<html>" + b"x" * 200_000, "line too long")


def test_usage_errors_exit_1(world, tmp_path):
    out = tmp_path / "x.html"
    for extra in (["-r", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"], ["--armor"]):
        r = run_mirror("pack", "-o", str(out), "--all", "--format", "html", "--passphrase-file", str(world["pw"]),
                   *extra, archive=world["a"])
        assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
        assert "Traceback" not in r.stderr and not out.exists()
    r = run_mirror("pack", "-o", str(out), "--all", "--format", "html", "-R", str(world["pw"]), archive=world["a"])
    assert r.returncode == 1 and "passphrase only" in r.stderr
    key = tmp_path / "id.txt"
    key.write_text(age.generate_identity()[0] + "\n")
    r = run_mirror("unpack", str(world["html"]), "-i", str(key), archive=tmp_path / "B")
    assert r.returncode == 1 and "passphrase" in r.stderr and r.stderr.count("\n") == 1, r.stderr


# -- in Chromium ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from browserutil import ARGS, CHROMIUM

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Session:
    """One page in a fresh context, with every request, dialog and console line recorded."""

    def __init__(self, browser, path: Path):
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.ctx = browser.new_context()
        self.ctx.on("request", lambda r: self.requests.append("context: " + r.url))
        self.page = self.ctx.new_page()
        self.page.on("request", lambda r: self.requests.append("page: " + r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.on("popup", lambda pg: self.requests.append("popup: " + pg.url))
        self.failed: dict[str, str] = {}  # url -> why ("csp": blocked inside the browser)
        self.responses: list[str] = []
        self.ctx.on("requestfailed", lambda r: self.failed.__setitem__(r.url, r.failure))
        self.ctx.on("response", lambda r: r.url != self.url and self.responses.append(r.url))
        self.page.goto(self.url, wait_until="load")

    def unlock(self, passphrase: str) -> None:
        self.page.fill("#passphrase", passphrase)
        self.page.click("#open")
        self.page.wait_for_selector("#library:not([hidden]), #message.bad", timeout=30_000)

    def network(self) -> list[str]:
        """Requests other than the page's own file (it is loaded once)."""
        own = [r for r in self.requests if r.endswith(self.url)]
        assert len(own) <= 2  # the navigation itself, seen by the context and the page
        return [r for r in self.requests if not r.endswith(self.url)]

    def close(self) -> None:
        self.ctx.close()


@pytest.mark.browser
def test_browser_shows_every_article_and_its_images_offline(world, browser):
    s = Session(browser, world["html"])
    try:
        s.unlock(PASSPHRASE)
        toc = s.page.inner_text("#toc")
        with open_archive(world["a"]) as A:
            titles = [A.get(i).title for i in world["ids"]]
        assert all(t in toc for t in titles)
        assert s.page.is_hidden("#locked")
        s.page.click("#toc a >> text=Story number 1")
        s.page.wait_for_selector("#reader:not([hidden])")
        frame = s.page.frame_locator("#frame")
        assert "Paragraph one of article 1." in frame.locator("body").inner_text()
        frame.locator("img").first.wait_for()
        s.page.wait_for_timeout(200)
        imgs = frame.locator("img").evaluate_all("l => l.map(i => i.complete && i.naturalWidth > 0)")
        assert len(imgs) >= 2 and all(imgs)
        assert s.page.get_attribute("#frame", "sandbox") == ""
        s.page.click("#back")  # and the browser's history works too
        s.page.wait_for_selector("#library:not([hidden])")
        s.page.click("#toc a >> text=A long read")
        s.page.wait_for_selector("#reader:not([hidden])")
        assert "A long read" in frame.locator("h1").inner_text()
        s.page.evaluate("history.back()")
        s.page.wait_for_selector("#library:not([hidden])")
        assert s.network() == [] and s.dialogs == [] and s.responses == [] and s.failed == {}
        assert not [c for c in s.console if "rror" in c], s.console
    finally:
        s.close()


@pytest.mark.browser
def test_browser_wrong_passphrase_shows_an_error_and_nothing_else(world, browser):
    s = Session(browser, world["html"])
    try:
        s.unlock("tavo-lisu-bamu-zori-kena-pudo-himX")
        assert "Wrong passphrase" in s.page.inner_text("#message")
        assert s.page.is_hidden("#library") and s.page.is_hidden("#reader")
        assert s.page.inner_text("#toc") == ""
        assert s.page.locator("iframe").count() == 0
        assert s.network() == [] and s.dialogs == []
    finally:
        s.close()


@pytest.mark.browser
def test_browser_tampered_chunk_shows_damage_and_no_articles(world, browser, tmp_path):
    head, chunks, tail = split(world["html"])
    bad = tmp_path / "bad.html"
    bad.write_bytes(join(head, chunks[:2] + [_flip(chunks[2], 40)] + chunks[3:], tail))
    s = Session(browser, bad)
    try:
        s.unlock(PASSPHRASE)
        assert "damaged or was changed" in s.page.inner_text("#message")
        assert s.page.is_hidden("#library") and s.page.inner_text("#toc") == ""
        assert s.network() == []
    finally:
        s.close()


HOSTILE_ID = "0123456789abcdef"


def hostile_page(tool_script: str) -> str:
    """An article page as if sanitiser and page CSP were both bypassed. The
    second script is the tool's own, so the inherited CSP (script hash)
    would let it run: only the sandbox stops it."""
    img = "data:image/png;base64," + base64.b64encode(sample_png(3)).decode()
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<meta http-equiv='refresh' content='1;url=https://tracker.invalid/refresh'>"
            "<link rel='stylesheet' href='https://tracker.invalid/style.css'>"
            "<script>window.__pwned=1;alert('pwned')</script>"
            f"<script>{tool_script}</script></head><body>"
            "<h1>Hostile article</h1><p>Visible hostile text.</p>"
            f"<img id='ok' src='{img}' alt='fine'>"
            "<img src='https://tracker.invalid/pixel.gif' alt='tracker'>"
            "<img src='data:,x' onerror=\"window.__pwned=2;alert('img')\">"
            "<a id='evil' href='https://tracker.invalid/click'>a link</a> "
            "<a id='blank' href='https://tracker.invalid/new' target='_blank'>a popup</a>"
            "<form action='https://tracker.invalid/form'><button id='go'>send</button></form>"
            "<iframe src='https://tracker.invalid/frame'></iframe>"
            "<svg onload=\"window.__pwned=3\"></svg>"
            "</body></html>")


@pytest.mark.browser
def test_browser_sandbox_holds_against_a_hostile_article(world, browser, tmp_path):
    manifest = {"format": "mirror-bundle", "version": 1, "files": {},
                "articles": [{"id": HOSTILE_ID, "url": "https://evil.example/x", "title": "Hostile article",
                              "captured": "2026-01-01T00:00:00Z"}]}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"articles/{HOSTILE_ID}/index.html", hostile_page(htmlbundle.script()))
        z.writestr("manifest.json", json.dumps(manifest))
    path = tmp_path / "hostile.html"
    with open(path, "wb") as f:
        htmlbundle.write(io.BytesIO(buf.getvalue()).readinto, f, PASSPHRASE)
    s = Session(browser, path)
    try:
        s.unlock(PASSPHRASE)
        s.page.click("#toc a >> text=Hostile article")
        frame = s.page.frame_locator("#frame")
        assert "Visible hostile text." in frame.locator("body").inner_text()
        assert frame.locator("#ok").evaluate("i => i.complete && i.naturalWidth > 0")
        assert frame.locator("script").count() == 2  # the scripts are really in the page...
        child = s.page.frames[1]
        assert child.evaluate("window.__pwned === undefined")  # ...and none of them ran
        assert child.evaluate("document.querySelector('h1').textContent") == "Hostile article"
        for target in ("#blank", "#go", "#evil"):  # the last one navigates the frame away (blocked)
            frame.locator(target).click(timeout=3000)
        s.page.wait_for_timeout(1500)  # past the meta refresh
        assert s.page.evaluate("window.__pwned === undefined")
        assert s.dialogs == [] and s.responses == []
        # Now and then (about 1 run in 6) Chromium starts this page's stylesheet and
        # pixel requests while parsing the srcdoc, and the inherited CSP blocks them in
        # the browser ("csp") before any DNS lookup or connection. Our own pages name
        # no remote resource (the test above sees zero requests); here, every request
        # must have been blocked so, and none may be a navigation.
        sent = [r.split(": ", 1)[1] for r in s.network()]
        assert all(s.failed.get(u) == "csp" for u in sent), (sent, s.failed)
        assert set(sent) <= {"https://tracker.invalid/style.css", "https://tracker.invalid/pixel.gif"}, sent
        assert [c for c in s.console if "sandboxed" in c and "allow-scripts" in c]  # blocked by the sandbox
        assert not [c for c in s.console if "TypeError" in c], s.console  # the tool's script did not run there
    finally:
        s.close()


# -- measurement (printed with -s) -----------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_five_megabyte_bundle_packs_and_opens_in_seconds(tmp_path, browser):
    from mirror.bundle import pack as packmod
    from mirror.bundle.stream import IterReader

    a = tmp_path / "A"
    with open_archive(a) as ar:
        for i in range(40):  # ~5 MB of incompressible text in 40 articles
            ar.save(new_version(100 + i, text=base64.b64encode(os.urandom(96_000)).decode()))
        ids = sorted(ar.ids())
        t = time.monotonic()
        with open(tmp_path / "big.html", "wb") as f:
            htmlbundle.write(IterReader(packmod.payload(ar, ids)).readinto, f, PASSPHRASE)
        packed = time.monotonic() - t
    size = (tmp_path / "big.html").stat().st_size
    s = Session(browser, tmp_path / "big.html")
    try:
        t = time.monotonic()
        s.unlock(PASSPHRASE)
        opened = time.monotonic() - t
        assert s.page.locator("#toc li").count() == 40
        assert s.network() == []
    finally:
        s.close()
    t = time.monotonic()
    plain = plaintext_of_html(tmp_path / "big.html")
    read = time.monotonic() - t
    print(f"\n5 MB bundle: {size / 1e6:.1f} MB file, {len(plain) / 1e6:.1f} MB payload; pack {packed:.2f} s, "
          f"open in Chromium {opened:.2f} s, decrypt in Python {read:.2f} s")
    assert size > 5e6 and opened < 20
