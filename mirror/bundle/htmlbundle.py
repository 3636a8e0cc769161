"""The self-decrypting HTML bundle (`mirror pack --format html`).

One HTML file for passphrase sharing with readers who have only a browser.
It carries exactly the padded, deterministic ZIP payload of an age bundle
(`pack.payload`), encrypted so that WebCrypto can open it offline, plus the
tool's own script that asks for the passphrase, decrypts, unzips and shows the
articles, each inside an `<iframe sandbox>` without `allow-scripts`.
`mirror unpack`/`inspect` read it back here and then verify and import the
payload with the same code as an age bundle.

Why not age: WebCrypto has neither scrypt nor ChaCha20-Poly1305, and we do
not hand-write crypto primitives, so this format uses what both WebCrypto and
`cryptography` provide:

- KDF: PBKDF2-HMAC-SHA256, random 16-byte salt, `ITERATIONS` = 600,000: the
  OWASP Password Storage Cheat Sheet's figure for PBKDF2-HMAC-SHA256, chosen
  because it is a published, reviewed baseline that WebCrypto can run on any
  reader's device (0.07 s in Python here; the whole unlock in headless
  Chromium takes under 0.5 s). PBKDF2 needs no memory, so GPUs guess it far
  faster than age's scrypt (log2 N = 18, 256 MiB per guess): an HTML bundle
  must be protected by a long generated passphrase (the pack prompt offers
  one of 84 bits), not by a word someone can remember. Reading refuses more
  than `MAX_ITERATIONS` (10 million, 1.2 s here) before deriving anything, so
  a hostile file cannot make unpack spin.
- Cipher: AES-256-GCM in a STREAM construction like age's: the payload is cut
  into 64 KiB chunks; chunk i is sealed under the 12-byte nonce
  `nonce_prefix (4 random bytes) || i (7 bytes, big endian) || final (1 byte,
  0 or 1)` with the parameter JSON as associated data. Dropping, reordering,
  truncating or changing chunks fails authentication; the last chunk must say
  it is last. Decryption here streams chunk by chunk in bounded memory.

File layout (see FORMAT.md): a fixed page head, then one line
`<script type="application/json" id="mirror-params">{...}</script>`, a line
`<script type="application/octet-stream" id="mirror-payload">`, one line of
standard padded base64 per sealed chunk, a line `</script>`, and the tool's
script and closing tags. Only the salt, the nonce prefix and so the
ciphertext differ between two packs of the same articles.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from mirror.errors import UsageError, VerificationError
from mirror.jsonsafe import JSON

if TYPE_CHECKING:
    from mirror.bundle.pack import Look, PackStats, Step, Warn
    from mirror.bundle.signing import SigningKey
    from mirror.store import Archive

FORMAT = "mirror-html-bundle"
VERSION = 1
KDF = "PBKDF2-HMAC-SHA256"
CIPHER = "AES-256-GCM"
ITERATIONS = 600_000  # OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256
MAX_ITERATIONS = 10_000_000  # 1.2 s here; more is refused before any work
CHUNK = 64 * 1024
TAG = 16
SEALED = CHUNK + TAG
SALT_SIZE = 16
PREFIX_SIZE = 4
B64_LINE = 4 * ((SEALED + 2) // 3)  # 87,404 characters for a full chunk

PARAMS_OPEN = b'<script type="application/json" id="mirror-params">'
PAYLOAD_OPEN = b'<script type="application/octet-stream" id="mirror-payload">'
CLOSE = b"</script>"
END = b"</html>"
MAX_HEAD = 256 * 1024  # bytes before the payload (the page head and the form)
MAX_TAIL = 1024 * 1024  # bytes after it (the script)
MAX_LINE = 64 * 1024  # any line outside the payload
MAX_PARAMS = 1024
SNIFF = 512

_PARAMS_KEYS = ("format", "version", "kdf", "iterations", "salt", "cipher", "nonce_prefix", "chunk_size")


# -- the page ----------------------------------------------------------------------


@lru_cache(maxsize=None)
def _resource(name: str) -> str:
    return resources.files("mirror.bundle").joinpath(name).read_text(encoding="utf-8")


def script() -> str:
    return _resource("selfdecrypt.js")


def csp() -> str:
    """The page's policy: nothing from the network, no script but ours (by
    hash), inline style, data: images (the articles inherit this policy in
    their srcdoc frames). `frame-src 'none'`: a srcdoc frame is not fetched,
    so it loads under it, and every navigation of an article's frame (a
    clicked link, a meta refresh, a form) is blocked; `blob:`/`data:` would
    only let a frame be navigated to a document we did not write. Proven in
    headless Chromium by tests/test_bundle_html.py."""
    digest = base64.b64encode(hashlib.sha256(script().encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
            "img-src data:; frame-src 'none'; base-uri 'none'; form-action 'none'")


def _words(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """The page's fixed words in `lang`: those written into the HTML, and
    those its script shows (a JSON data block, which runs nothing). The
    script fills `{field}`s itself."""
    from mirror.render.i18n import labels

    L = labels(lang)
    back, fwd = ("→", "←") if L.dir == "rtl" else ("←", "→")
    html = {"LANG": L.lang, "DIR": L.dir,
            "T_TITLE": L._("Encrypted articles"),
            "T_INTRO": L._("This file holds articles encrypted with a passphrase. Type it to read them. "
                           "The page decrypts them here, offline: nothing is sent anywhere."),
            "T_NOSCRIPT": L._("Turn on JavaScript for this file to decrypt it (only its own script runs; "
                              "the articles cannot run any)."),
            "T_PASSPHRASE": L._("Passphrase"), "T_OPEN": L._("Open"),
            "T_IMPORT": L._("Readers with the mirror tool can import this file:"),
            "T_ARTICLES": L._("Articles"), "T_ALL": L._("All articles"),
            "T_PREV": back + " " + L._("Previous"), "T_NEXT": L._("Next") + " " + fwd}
    js = {"articles": L._("Articles"),
          "deriving": L._("Deriving the key…"),
          "decrypting": L._("Decrypting… {pct}%"),
          "wrong": L._("Wrong passphrase, or the file was changed. Nothing was decrypted."),
          "damaged": L._("This file is damaged or was changed after it was made ({detail}). Nothing is shown."),
          "unreadable": L._("This article could not be read: {detail}"),
          "browser": L._("This browser cannot open the file: it needs a current Chromium, Firefox or Safari "
                         "(WebCrypto and DecompressionStream)."),
          "versions": L._("Versions: what changed"),
          "back": L._("Back to the article")}
    return html, js


def page_parts(params: bytes, lang: str = "en") -> tuple[bytes, bytes]:
    """The page before and after the payload lines, its words in `lang`."""
    from mirror.render.page import esc

    js = script()
    if "</script" in js.lower():
        raise AssertionError("the page script may not contain </script")
    html_words, js_words = _words(lang)
    text = _resource("selfdecrypt.html")
    for key, value in html_words.items():
        text = text.replace("{{" + key + "}}", esc(value))
    strings = json.dumps(js_words, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    text = (text.replace("{{CSP}}", csp()).replace("{{STRINGS}}", strings).replace("{{SCRIPT}}", js)
            .replace("{{PARAMS}}", params.decode("ascii")))
    head, tail = text.split("{{PAYLOAD}}\n")
    return head.encode("utf-8"), tail.encode("utf-8")


# -- crypto ------------------------------------------------------------------------


def derive_key(passphrase: str | bytes, salt: bytes, iterations: int) -> bytes:
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
    return PBKDF2HMAC(hashes.SHA256(), 32, salt, iterations).derive(secret)


def nonce(prefix: bytes, counter: int, final: bool) -> bytes:
    return prefix + counter.to_bytes(7, "big") + (b"\x01" if final else b"\x00")


def params_json(salt: bytes, prefix: bytes, iterations: int = ITERATIONS) -> bytes:
    doc = {"format": FORMAT, "version": VERSION, "kdf": KDF, "iterations": iterations,
           "salt": base64.b64encode(salt).decode("ascii"), "cipher": CIPHER,
           "nonce_prefix": base64.b64encode(prefix).decode("ascii"), "chunk_size": CHUNK}
    return json.dumps(doc, separators=(",", ":")).encode("ascii")


def write(readinto: Callable[[memoryview], int], dst: BinaryIO, passphrase: str,
          iterations: int = ITERATIONS, lang: str = "en") -> int:
    """Encrypt everything `readinto` yields (it fills the buffer unless at the
    end) into a complete HTML page on `dst`; return the plaintext length."""
    if not passphrase:
        raise UsageError("an HTML bundle needs a non-empty passphrase")
    salt, prefix = os.urandom(SALT_SIZE), os.urandom(PREFIX_SIZE)
    params = params_json(salt, prefix, iterations)
    aead = AESGCM(derive_key(passphrase, salt, iterations))
    head, tail = page_parts(params, lang)
    dst.write(head)
    a, b = memoryview(bytearray(CHUNK)), memoryview(bytearray(CHUNK))
    total = counter = 0
    n = readinto(a)
    while True:
        if n == CHUNK:  # look ahead: the final chunk must be marked as such
            m = readinto(b)
            final = m == 0
        else:
            m, final = 0, True
        sealed = aead.encrypt(nonce(prefix, counter, final), bytes(a[:n]), params)
        dst.write(base64.b64encode(sealed) + b"\n")
        total += n
        if final:
            break
        counter += 1
        a, b = b, a
        n = m
    dst.write(tail)
    return total


# -- reading -----------------------------------------------------------------------


def _fail(what: str) -> VerificationError:
    return VerificationError(f"HTML bundle: {what}")


def looks_like_html(head: bytes) -> bool:
    """By content: an HTML document (age files start with their version
    line or an armor header, never with `<`)."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html"))


def _line(src: BinaryIO, limit: int, what: str) -> bytes:
    """One line without its end (\\n or \\r\\n); b"" only at EOF."""
    line = src.readline(limit + 2)
    if not line:
        return b""
    if not line.endswith(b"\n"):
        raise _fail(f"{what}: line too long or file truncated")
    return line[:-2] if line.endswith(b"\r\n") else line[:-1]


def _b64(text: bytes, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(f"{what} is not base64") from None
    if base64.b64encode(data) != text:
        raise _fail(f"{what} is not canonical base64")
    return data


def parse_params(raw: bytes) -> dict[str, JSON]:
    if len(raw) > MAX_PARAMS or not all(0x20 <= c < 0x7F for c in raw) or b"<" in raw:
        raise _fail("parameters are not short printable ASCII")

    def unique(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise _fail("duplicate parameter")
        return dict(pairs)

    try:
        doc = json.loads(raw, object_pairs_hook=unique)
    except ValueError:
        raise _fail("parameters are not JSON") from None
    if not isinstance(doc, dict) or sorted(doc) != sorted(_PARAMS_KEYS):
        raise _fail("parameters have missing or unknown fields")
    if doc["format"] != FORMAT:
        raise _fail("not a mirror HTML bundle")
    if doc["version"] != VERSION or isinstance(doc["version"], bool):
        raise _fail(f"unsupported version {str(doc['version'])[:20]!r}")
    if doc["kdf"] != KDF or doc["cipher"] != CIPHER:
        raise _fail("unsupported key derivation or cipher")
    if doc["chunk_size"] != CHUNK or isinstance(doc["chunk_size"], bool):
        raise _fail("unsupported chunk size")
    it = doc["iterations"]
    if not isinstance(it, int) or isinstance(it, bool) or it < 1:
        raise _fail("bad iteration count")
    if it > MAX_ITERATIONS:
        raise _fail(f"iteration count {it} is above the limit of {MAX_ITERATIONS}")
    for k, size in (("salt", SALT_SIZE), ("nonce_prefix", PREFIX_SIZE)):
        if not isinstance(doc[k], str):
            raise _fail(f"bad {k}")
        doc[k] = _b64(doc[k].encode("ascii"), k)
        if len(doc[k]) != size:
            raise _fail(f"{k} must be {size} bytes")
    return doc


def _read_head(src: BinaryIO, lines: list[bytes] | None = None) -> bytes:
    """Skip the page head (its lines go to `lines` if given); return the raw
    parameter JSON. The payload's opening tag must follow on the next line."""
    seen = 0
    lines = [] if lines is None else lines
    while True:
        line = _line(src, MAX_LINE, "page head")
        lines.append(line)
        seen += len(line) + 1
        if not line or seen > MAX_HEAD:
            raise _fail("no encrypted payload found (not a mirror HTML bundle?)")
        if line.startswith(PARAMS_OPEN):
            break
        if b"mirror-payload" in line:
            raise _fail("payload before its parameters")
    if not line.endswith(CLOSE):
        raise _fail("malformed parameters element")
    raw = line[len(PARAMS_OPEN):-len(CLOSE)]
    if _line(src, MAX_LINE, "payload") != PAYLOAD_OPEN:
        raise _fail("the payload element does not follow the parameters")
    lines.append(PAYLOAD_OPEN)
    return raw


def is_our_page(head_lines: list[bytes], tail: bytes, raw_params: bytes) -> bool:
    """The page around the payload is byte for byte the one this version
    writes for these parameters (line ends aside). The page code is not
    authenticated (a passphrase cannot sign), so a courier could remove the
    CSP or post the passphrase to a server; this is how inspect notices.
    The page may speak any language we write."""
    from mirror.render.i18n import SUPPORTED

    got_head = b"".join(line + b"\n" for line in head_lines)
    got_tail = (CLOSE + b"\n" + tail).replace(b"\r\n", b"\n")
    for lang in SUPPORTED:
        head, want_tail = page_parts(raw_params, lang)
        if got_head == head and got_tail == want_tail:
            return True
    return False


def decrypt(src: BinaryIO, write_out: Callable[[bytes], object], passphrases: list[str],
            page_check: Callable[[bool], object] | None = None) -> int:
    """Read an HTML bundle from `src` (strictly, every size bounded), write
    the payload to `write_out` chunk by chunk as each authenticates, and
    return its length. Raises VerificationError (exit 2) on anything wrong.
    `page_check(ours)` is told whether the page code is the one we write."""
    if not passphrases:
        raise UsageError("an HTML bundle opens with its passphrase: give --passphrase-file F")
    head_lines: list[bytes] = []
    raw = _read_head(src, head_lines)
    params = parse_params(raw)
    prefix = params["nonce_prefix"]
    first = _chunk_line(src, 0)
    if first is None:
        raise _fail("the payload has no chunks")
    second = _chunk_line(src, 1)
    aead = None
    for p in passphrases:
        candidate = AESGCM(derive_key(p, params["salt"], params["iterations"]))
        try:
            plain = candidate.decrypt(nonce(prefix, 0, second is None), first, raw)
        except InvalidTag:
            continue
        aead = candidate
        break
    if aead is None:
        raise VerificationError("wrong passphrase for this HTML bundle (or the file was changed)")
    total = _emit(plain, first, 0, second is None, write_out)
    counter, current = 1, second
    while current is not None:
        following = _chunk_line(src, counter + 1)
        final = following is None
        try:
            plain = aead.decrypt(nonce(prefix, counter, final), current, raw)
        except InvalidTag:
            raise _fail(f"payload chunk {counter} failed to authenticate "
                        "(changed, reordered or truncated)") from None
        total += _emit(plain, current, counter, final, write_out)
        counter, current = counter + 1, following
    tail = _read_tail(src)
    if page_check is not None:
        page_check(is_our_page(head_lines, tail, raw))
    return total


def _emit(plain: bytes, sealed: bytes, counter: int, final: bool, write_out: Callable[[bytes], object]) -> int:
    if not final and len(sealed) != SEALED:
        raise _fail(f"payload chunk {counter} is short")
    if final and len(sealed) == TAG and counter > 0:
        raise _fail("the payload has an empty final chunk")
    write_out(plain)
    return len(plain)


def _chunk_line(src: BinaryIO, counter: int) -> bytes | None:
    """The next sealed chunk, or None at the payload's closing tag."""
    line = _line(src, B64_LINE, f"payload chunk {counter}")
    if line == CLOSE:
        return None
    if not line:
        raise _fail("the file ends inside the payload")
    data = _b64(line, f"payload chunk {counter}")
    if not TAG <= len(data) <= SEALED:
        raise _fail(f"payload chunk {counter} has a bad size")
    return data


def _read_tail(src: BinaryIO) -> bytes:
    tail = src.read(MAX_TAIL + 1)
    if len(tail) > MAX_TAIL:
        raise _fail("too much after the payload")
    if not tail.rstrip(b"\r\n").endswith(END):
        raise _fail("the page does not end after the payload (truncated?)")
    return tail


# -- pack ----------------------------------------------------------------------------


def check_options(recipients: tuple[str, ...], recipients_files: tuple[str, ...], armor: bool) -> None:
    """The HTML format is for passphrases only, and is its own text form."""
    if recipients or recipients_files:
        raise UsageError("--format html encrypts to a passphrase only (the browser cannot use age "
                         "keys): drop -r/-R, or use --format age")
    if armor:
        raise UsageError("--armor is for age files; an HTML bundle is already text")


def pack(ar: Archive, ids: list[str], out: Path | BinaryIO, passphrase: str, *, sign_key: SigningKey | None = None,
         pad: bool = True, warn: Warn | None = None, overwrite: bool = False, look: Look | None = None,
         progress: Step | None = None) -> PackStats:
    """Write the HTML bundle of `ids` to `out` (as `pack.pack` does), its
    page in the plan's language; return PackStats."""
    from mirror.bundle.pack import Look, PackStats, output_to, payload, plan
    from mirror.bundle.stream import IterReader

    stats = PackStats()
    site_plan = plan(ar, ids, look or Look())
    src = IterReader(payload(ar, ids, sign_key, pad, stats, warn, site_plan, progress))
    with output_to(out, overwrite) as dst:
        write(src.readinto, dst, passphrase, lang=site_plan.lang)
    return stats
