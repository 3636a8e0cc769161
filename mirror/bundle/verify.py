"""Check a decrypted bundle ZIP completely, before anything is imported.

Refused (VerificationError, exit 2): names that are absolute, contain `..`,
backslashes, drive letters, control characters or clash (also by case);
symlinks and other special files; encrypted entries or unknown compression;
too many entries, too large entries (pages and JSON files have their own,
smaller cap: they are read whole) or totals, compression ratios of bombs;
a missing or malformed manifest; files absent from or not listed in it; any
hash or size mismatch; a bad signature; article.json inconsistent with its
manifest entry; an asset found neither as a file nor inline in its page.
"""

from __future__ import annotations

import binascii
import collections
import contextlib
import hashlib
import io
import re
import stat
import threading
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Generator, Iterable, Iterator, Mapping, Sequence

from mirror import imageinfo, jsonsafe
from mirror.bundle import container, layout, manifest as mf, site
from mirror.bundle.nameindex import NameIndex
from mirror.bundle.signing import fingerprint, verify_signature_document
from mirror.bundle.zipread import ZipReader
from mirror.config import BundleConfig
from mirror.errors import VerificationError
from mirror.model import Asset, NewVersion

PAGE_SUFFIXES = (".html", ".json")  # read whole (not streamed): capped by max_page_bytes
DATA_URI_HEAD = re.compile(rb"data:[a-z]+/[a-z0-9.+-]+;base64,")
BASE64_RUN = re.compile(rb"[A-Za-z0-9+/=]*")
SAFE_NAME = re.compile(r"^[A-Za-z0-9._/-]+$")


def _bad(msg: str) -> VerificationError:
    return VerificationError(f"bundle refused: {msg}")


# Names Windows (and so a FAT stick opened there) reserves in any folder, with
# any extension: a site exported with `CON.png` cannot be copied or opened.
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"{d}{i}" for d in ("COM", "LPT") for i in "0123456789\u00b9\u00b2\u00b3")})


def portable_part(part: str) -> bool:
    """One path component is usable on Windows and FAT: not a device name
    (`CON`, `nul.txt`, `COM1.png`), no trailing dot or space, none of `<>:"|?*`
    or controls (SAFE_NAME already keeps those out of bundles)."""
    if part.endswith((".", " ")) or any(c in '<>:"|?*\\' or ord(c) < 32 for c in part):
        return False
    return part.split(".", 1)[0].rstrip(" ").upper() not in WINDOWS_RESERVED


def check_name(name: str) -> None:
    shown = repr(name[:80])
    if not name or len(name) > 512:
        raise _bad(f"bad entry name {shown}")
    if "\\" in name:
        raise _bad(f"entry name with a backslash: {shown}")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise _bad(f"absolute entry name: {shown}")
    parts = name.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise _bad(f"entry name with an empty, '.' or '..' part: {shown}")
    if not SAFE_NAME.match(name):
        raise _bad(f"entry name with unexpected characters: {shown}")
    for p in parts:
        if not portable_part(p):
            raise _bad(f"entry name not portable to Windows/FAT (reserved device name or trailing"
                       f" dot): {shown}")


@dataclass(slots=True)
class AssetSource:
    asset: Asset
    zip_name: str  # an assets/<name> file, or the page that inlines it


@dataclass(slots=True)
class VersionItem:
    """What verification keeps of a version: not its text and HTML, which
    `Verified.load` reads again, so a bundle of any size is never held."""

    where: str  # its JSON entry
    ref: mf.FileRef  # the manifest's hash and size of that entry (checked again by `load`)
    content_hash: str  # checked against the fields by layout.parse_article_json
    html_sha: str
    assets: list[AssetSource] = field(default_factory=list)


@dataclass(slots=True)
class ArticleItem:
    """What verification keeps of an article for the report and the import:
    its manifest entry's shown fields, not the entry (its `files`, a path and
    hash per file, are not needed once every file is checked), so a bundle
    of 100,000 articles does not hold its whole manifest while importing."""

    id: str
    url: str
    title: str | None
    published: str | None
    captured: str
    size: int  # all its files, as the manifest lists them
    versions: list[VersionItem] = field(default_factory=list)  # oldest first; last = article.json

    @classmethod
    def of(cls, entry: mf.ArticleEntry) -> "ArticleItem":
        return cls(entry.id, entry.url, entry.title, entry.published, entry.captured,
                   sum(r.size for r in entry.files.values()))

    @property
    def assets(self) -> list[AssetSource]:
        return [a for v in self.versions for a in v.assets]


@dataclass
class Verified:
    """A bundle checked completely. Its articles are read again from it as
    they are imported (`items`): what was verified is not held, so a bundle
    of 100,000 articles costs no more memory to import than one of 1,000."""

    zf: ZipReader
    entries: mf.Entries
    signer: bytes | None
    trusted: bool
    payload_bytes: int
    relied: bytearray = field(default_factory=bytearray)  # raw SHA-256 of every page and image, 32 bytes each

    def relied_hex(self) -> Iterator[str]:
        """What an import of this bundle may store or rely on (its journal)."""
        for i in range(0, len(self.relied), 32):
            yield self.relied[i:i + 32].hex()

    @property
    def signature_status(self) -> str:
        if self.signer is None:
            return "unsigned"
        fp = fingerprint(self.signer)
        return f"signed by trusted key {fp}" if self.trusted else f"signed by {fp} (unknown key)"

    def read(self, name: str) -> bytes:
        return self.zf.read(name)

    def items(self) -> Iterator[tuple[ArticleItem, list[NewVersion | None]]]:
        """Each article again, in manifest order, with its captures (None
        for one not kept: an article's captures are kept up to KEEP_BYTES of
        JSON; `load` reads the rest again one at a time)."""
        for entry in self.entries:
            item = ArticleItem.of(entry)
            loaded: list[NewVersion | None] = []
            held = 0
            for name in _version_names(entry):
                data = self.zf.read(name)
                _check_hash(name, hashlib.sha256(data).hexdigest(), len(data), entry.files[name])
                ver, new = _version(entry, name, data, judge=False)
                item.versions.append(ver)
                held += len(data)
                loaded.append(new if held <= KEEP_BYTES else None)
            yield item, loaded

    def load(self, item: ArticleItem, ver: VersionItem) -> NewVersion:
        """The capture of one verified version (without asset bytes), read
        again from the bundle; its bytes must still match the manifest."""
        data = self.zf.read(ver.where)
        _check_hash(ver.where, hashlib.sha256(data).hexdigest(), len(data), ver.ref)
        new, _, content_hash = _parse(ver.where, data)
        if content_hash != ver.content_hash:  # the hash above makes this impossible; say so if not
            raise _bad(f"{ver.where} changed after it was verified")
        return new


KEEP_BYTES = 8 << 20  # an article's captures kept from its reading to its import, at most


def _version_names(entry: mf.ArticleEntry) -> list[str]:
    """An article's JSON files, oldest first (article.json, the current one, last)."""
    return sorted(n for n in entry.files if layout.VERSION_RE.match(n)) + [layout.article_json(entry.id)]


def _hash(zf: ZipReader, name: str) -> tuple[str, int, bytes]:
    """SHA-256, size and first block (where an image's header is)."""
    h, n, head = hashlib.sha256(), 0, b""
    for block in zf.blocks(name):
        h.update(block)
        head = head or block
        n += len(block)
    return h.hexdigest(), n, head


def _decoded(page: bytes) -> Iterator[bytes]:
    """Each base64 `data:` URI's bytes. The header is matched by a regex and
    the base64 run after it by another, anchored where the header ends; a run
    not closed by a quote (or the page's end) is skipped. Each byte of the
    page is looked at a bounded number of times: linear in the page, however
    many images it holds (searching for the closing quote from every header
    made it quadratic). The run is decoded from a view, not a copy."""
    view = memoryview(page)
    pos = 0
    while m := DATA_URI_HEAD.search(page, pos):
        start = m.end()
        run = BASE64_RUN.match(page, start)
        assert run is not None  # the run may be empty: it always matches
        end = run.end()
        pos = max(end, start + 1)
        if end < len(page) and page[end] not in b"\"'":
            continue
        try:
            yield binascii.a2b_base64(view[start:end], strict_mode=True)
        except (binascii.Error, ValueError):
            continue


def inline_images(page: bytes, wanted: set[str]) -> dict[str, bytes]:
    """sha256 -> bytes of the base64 `data:` images in a page that are wanted."""
    out = {}
    for data in _decoded(page):
        sha = hashlib.sha256(data).hexdigest()
        if sha in wanted:
            out[sha] = data
    return out


def check_image(name: str, head: bytes) -> None:
    """Refuse an asset whose header declares a decompression bomb."""
    if imageinfo.too_large(head) and (dims := imageinfo.dimensions(head)) is not None:
        w, h = dims
        raise _bad(f"{name}: image of {w}x{h} pixels, over the limit of {imageinfo.MAX_SIDE} per side"
                   f" or {imageinfo.MAX_PIXELS // 1_000_000} megapixels")


KeepImage = Callable[[str, bytes], None]  # (sha256, bytes) of an image worth keeping for import


def inline_digests(page: bytes, stash: KeepImage | None = None, keep: frozenset[str] = frozenset(),
                   assets: frozenset[str] = frozenset()) -> dict[str, int]:
    """sha256 -> size of every base64 `data:` image in a page; those in
    `keep` are handed to `stash` if given, the rest are dropped. Those in
    `assets` (what will be imported) must not declare bomb dimensions."""
    out = {}
    for d in _decoded(page):
        sha = hashlib.sha256(d).hexdigest()
        out[sha] = len(d)
        if sha in assets:
            check_image(f"image {sha[:16]}", d[:1 << 20])
        if stash is not None and sha in keep:
            stash(sha, d)
    return out


READ_AHEAD_BYTES = 32 << 20  # pages read ahead of the image decoding, at most (or one page)
READ_AHEAD_ITEMS = 16


def _ahead(zf: ZipReader, jobs: Iterable[tuple[str, mf.FileRef, bool]],
           budget: int) -> Generator[tuple[str, mf.FileRef, bytes, str, int], None, None]:
    """For each (name, manifest entry, whole) yield (name, the entry, bytes
    if whole else the first block, sha256, size), in order. A worker thread reads, inflates and hashes ahead
    (zlib and hashlib release the GIL, so this overlaps the consumer's base64
    decoding). Whole entries count against `budget` from when the worker
    starts one until the consumer asks for the item after it; the worker
    starts one only within the budget or when nothing else is held, so at most
    max(budget, one entry) is held. Close the generator to stop the worker."""
    cond = threading.Condition()
    queue: collections.deque[tuple[str, mf.FileRef, bytes, str, int, int] | BaseException | None] = collections.deque()
    state = {"held": 0, "stop": False}

    def work() -> None:
        try:
            for name, r, whole in jobs:
                size = zf.size(name) if whole else 0
                with cond:
                    while not state["stop"] and (len(queue) >= READ_AHEAD_ITEMS or
                                                 (state["held"] and state["held"] + size > budget)):
                        cond.wait()
                    if state["stop"]:
                        return
                    state["held"] += size
                if whole:
                    data = zf.read(name)
                    out = (name, r, data, hashlib.sha256(data).hexdigest(), len(data), size)
                else:
                    sha, n, head = _hash(zf, name)
                    out = (name, r, head, sha, n, 0)
                with cond:
                    queue.append(out)
                    cond.notify_all()
            done: BaseException | None = None
        except BaseException as e:  # handed to the consumer, raised there
            done = e
        with cond:
            queue.append(done)
            cond.notify_all()

    worker = threading.Thread(target=work, name="bundle-read-ahead", daemon=True)
    worker.start()
    held = 0
    try:
        while True:
            with cond:
                state["held"] -= held
                held = 0
                cond.notify_all()
                while not queue:
                    cond.wait()
                got = queue.popleft()
            if got is None:
                return
            if isinstance(got, BaseException):
                raise got
            held = got[5]
            yield got[:5]
    finally:
        with cond:
            state["stop"] = True
            cond.notify_all()
        worker.join()


# No entry of a real bundle takes fewer bytes of the ZIP: its local header,
# central record and name twice are ~150, and the smallest content mirror
# writes (an old version's article.json, deflated) is ~200 more.
BYTES_PER_ENTRY = 256
MIN_ENTRY_LIMIT = 1000  # whatever its size, a bundle may hold this many


def entry_limit(caps: BundleConfig, zip_size: int) -> int:
    """How many entries a ZIP of `zip_size` bytes may have: one per
    BYTES_PER_ENTRY of it, so a legitimate bundle of any number of articles
    fits, while a hostile one cannot make unpack hold more per-entry
    bookkeeping (~0.7 KiB an entry) than about three times its own size;
    `bundle.max_entries`, if not 0, caps it further."""
    derived = max(MIN_ENTRY_LIMIT, zip_size // BYTES_PER_ENTRY)
    return min(derived, caps.max_entries) if caps.max_entries > 0 else derived


def _check_count(end: container.End, caps: BundleConfig) -> None:
    """The entry count, from the end record alone: before the central
    directory is parsed, so a hostile count costs nothing."""
    limit = entry_limit(caps, end.size)
    if end.entries > limit:
        raise _bad(f"{end.entries} entries, more than the limit of {limit} for a ZIP of {end.size} bytes"
                   " (one per 256 bytes; bundle.max_entries)")


# What all entries together may expand to, per byte of the ZIP: a bundle of
# prose and images expands two to five times (pages deflate well, images not
# at all); a thousand small bombs, each under the per-entry ratio, far more.
CONTENTS_PER_ZIP_BYTE = 16


def contents_limit(caps: BundleConfig, zip_size: int) -> int:
    """The most all entries together may hold: CONTENTS_PER_ZIP_BYTE times
    the ZIP, and at least `bundle.max_payload_bytes` (so the bundles of a
    100,000-article archive import, whose contents pass 4 GiB)."""
    return max(caps.max_payload_bytes, CONTENTS_PER_ZIP_BYTE * zip_size)


# manifest.json lists every entry (its name, hash and size, ~200 bytes; an
# article's metadata once more): it may take this much per entry of the ZIP.
MANIFEST_BYTES_PER_ENTRY = 512


def page_limit(caps: BundleConfig, name: str, entries: int) -> int:
    """The most an entry read whole may hold: `bundle.max_page_bytes`, and for
    manifest.json at least MANIFEST_BYTES_PER_ENTRY per entry (a bundle of
    100,000 articles has a 68 MB manifest)."""
    if name == layout.MANIFEST:
        return max(caps.max_page_bytes, MANIFEST_BYTES_PER_ENTRY * entries)
    return caps.max_page_bytes


def _check_entries(d: container.Directory, caps: BundleConfig, zip_size: int) -> int:
    """Refuse unsafe or oversized entries; return what the files hold in all."""
    limit = contents_limit(caps, zip_size)
    folded = NameIndex(lambda i: d.name(i).lower())  # names that differ only in case clash on many disks
    total = 0
    for i, name in enumerate(d.names):
        check_name(name)
        if folded.add(name.lower(), i) is not None:
            raise _bad(f"duplicate entry {name!r}")
        mode, size, packed = d.mode(i), d.usize[i], d.csize[i]
        if d.system(i) == 3 and mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            kind = "symlink" if stat.S_ISLNK(mode) else "special file"
            raise _bad(f"{kind} entry {name!r}")
        if d.flags(i) & 0x1:
            raise _bad(f"encrypted entry {name!r}")
        if d.method(i) not in (container.STORED, container.DEFLATED):
            raise _bad(f"entry {name!r} uses an unsupported compression method")
        if name.endswith("/"):  # a folder entry, as `zip -r` writes them
            if size:
                raise _bad(f"folder entry {name!r} has content")
            continue
        # Every entry, however small: a thousand 1 MiB bombs are a 1 GiB bomb.
        if size > caps.max_compression_ratio * max(packed, 1):
            raise _bad(f"entry {name!r} expands {size // max(packed, 1)}x (a compression bomb?)")
        if size > caps.max_entry_bytes:
            raise _bad(f"entry {name!r} is {size} bytes, over the limit of {caps.max_entry_bytes}")
        if name.endswith(PAGE_SUFFIXES) and size > (cap := page_limit(caps, name, len(d))):
            raise _bad(f"entry {name!r} is {size} bytes, over the limit of {cap}"
                       " for a page (bundle.max_page_bytes" + (f", or {MANIFEST_BYTES_PER_ENTRY} bytes an entry)"
                                                               if name == layout.MANIFEST else ")"))
        total += size
        if total > limit:
            raise _bad(f"contents exceed the limit of {limit} bytes for a ZIP of {zip_size} bytes"
                       f" ({CONTENTS_PER_ZIP_BYTE}x its size, at least bundle.max_payload_bytes)")
    return total


def verify(f: BinaryIO | io.RawIOBase, caps: BundleConfig, trusted: Sequence[bytes] = (), stash: KeepImage | None = None) -> Verified:
    """Open and check the plaintext ZIP in the seekable file `f`. Inline
    images the import will need are handed to `stash` as they are decoded,
    so pages are not inflated and decoded twice. The returned `zf` reads `f`
    (which must stay open while it is used)."""
    if isinstance(f, io.RawIOBase):  # e.g. a sealed temp file: buffered, so the many
        f = io.BufferedReader(f, 1 << 16)  # small header reads do not each set up a cipher
    end = container.end_record(f)
    _check_count(end, caps)
    return _verify(ZipReader(f, container.directory(f, end)), end.size, caps, list(trusted), stash)


def _verify(zf: ZipReader, zip_size: int, caps: BundleConfig, trusted: list[bytes],
            stash: KeepImage | None) -> Verified:
    files = zf.directory
    payload = _check_entries(files, caps, zip_size)
    if layout.MANIFEST not in files:
        raise _bad("no manifest.json")
    signer = None
    if layout.SIGNATURE in files:  # Ed25519 reads its message twice: a signed manifest is held whole, once
        manifest_bytes = zf.read_buffer(layout.MANIFEST)
        signer = verify_signature_document(zf.read(layout.SIGNATURE), manifest_bytes)
        digest = hashlib.sha256(manifest_bytes).digest()
        del manifest_bytes  # checked: 68 MB at 100,000 articles, not held while parsing
    else:  # hashed as it is read: never held (68 MB at 100,000 articles)
        h = hashlib.sha256()
        for block in zf.blocks(layout.MANIFEST):
            h.update(block)
        digest = h.digest()
    entries = mf.entries(lambda: zf.blocks(layout.MANIFEST), digest)
    if layout.PADDING in files:
        for block in zf.blocks(layout.PADDING):
            if block.count(0) != len(block):
                raise _bad("the padding entry is not all zeros")
    _check_listing(files, entries)
    # Each article's JSON files first (small): they say which pages must carry inline images.
    inline_pages: dict[str, tuple[str, list[AssetSource]]] = {}  # page -> its article, its inline images
    relied = bytearray()
    for entry in entries:
        versions: list[VersionItem] = []
        for name in _version_names(entry):
            data = zf.read(name)
            _check_hash(name, hashlib.sha256(data).hexdigest(), len(data), entry.files[name])
            ver, new = _version(entry, name, data)
            versions.append(ver)
            relied += bytes.fromhex(ver.html_sha)
            for src in ver.assets:
                relied += bytes.fromhex(src.asset.sha256)
        _check_latest(entry, versions[-1], new)
        if len({v.content_hash for v in versions}) != len(versions):
            raise _bad(f"article {entry.id} carries the same version twice")
        inline = [src for v in versions for src in v.assets if src.zip_name == layout.page(entry.id)]
        if inline:
            if layout.page(entry.id) not in entry.files:
                raise _bad(f"article {entry.id}: images are neither in the bundle nor in a page")
            inline_pages[layout.page(entry.id)] = (entry.id, inline)
    # Every other file is hashed once; pages with images are also scanned then.
    # A worker thread inflates and hashes ahead while this one decodes images
    # (the jobs come from a reading of the manifest of its own).
    with contextlib.closing(_ahead(zf, _other_files(entries, inline_pages), READ_AHEAD_BYTES)) as ahead:
        for name, r, data, sha, size in ahead:
            _check_hash(name, sha, size, r)
            if (page := inline_pages.get(name)) is None:  # (read, never changed, by the worker too)
                if "/assets/" in name:
                    check_image(name, data)
                continue
            aid, inline = page
            keep = frozenset(src.asset.sha256 for src in inline)
            _check_inline(aid, inline, inline_digests(data, stash, keep, keep))
            del data
    return Verified(zf, entries, signer, signer is not None and signer in trusted, payload, relied)


def _check_listing(files: container.Directory, entries: mf.Entries) -> None:
    """Every entry of the ZIP is listed in the manifest, with its size, and
    every file listed is there (a mark an entry, not a set of names)."""
    listed = bytearray(len(files))

    def mark(refs: dict[str, mf.FileRef]) -> None:
        for name, r in refs.items():
            i = files.find(name)
            if i is None or name.endswith("/"):
                raise _bad(f"the manifest lists {name!r}, which is absent")
            if files.usize[i] != r.size:
                raise _bad(f"{name!r} has the wrong size")
            listed[i] = 1

    mark(entries.files)
    for entry in entries:
        mark(entry.files)
    for i, name in enumerate(files.names):
        if not listed[i] and name not in layout.SPECIAL and not name.endswith("/"):
            raise _bad(f"{name!r} is not listed in the manifest")


def _other_files(entries: mf.Entries, inline_pages: Mapping[str, object]
                 ) -> Iterator[tuple[str, mf.FileRef, bool]]:
    """(name, manifest entry, read whole?) of every file but the JSON ones."""
    for name, r in entries.files.items():
        yield name, r, False
    for entry in entries:
        versions = set(_version_names(entry))
        for name, r in entry.files.items():
            if name not in versions:
                yield name, r, name in inline_pages


def _check_hash(name: str, sha: str, size: int, r: mf.FileRef) -> None:
    if sha != r.sha256 or size != r.size:
        raise _bad(f"{name!r} does not match its hash in the manifest")


def _parse(where: str, raw: bytes) -> tuple[NewVersion, list[Asset], str]:
    """An article.json (or versions/NNNN.json): the capture, its assets and
    its content hash (checked against its fields by parse_article_json)."""
    try:
        doc = jsonsafe.loads(raw.decode("utf-8"))
    except jsonsafe.TooDeep as e:
        raise _bad(f"{where} is {e}") from None
    except (UnicodeDecodeError, ValueError):
        raise _bad(f"{where} is not valid JSON") from None
    new, assets = layout.parse_article_json(doc, where)
    return new, assets, str(doc["content_hash"])


def _version(entry: mf.ArticleEntry, where: str, raw: bytes, judge: bool = True) -> tuple[VersionItem, NewVersion]:
    """Parse and check one version; assets present as files are matched
    here, the rest must be inline in the page (`_check_inline`). `judge`:
    whether to ask the renderer (verification does; the import's second
    reading of the same checked bytes need not)."""
    new, assets, content_hash = _parse(where, raw)
    why = site.renders(new.html) if judge else None
    if why is not None:
        raise _bad(f"{where}: its HTML cannot be parsed by the renderer ({why})")
    if new.url != entry.url:
        raise _bad(f"{where}: URL differs from the manifest")
    item = VersionItem(where, entry.files[where], content_hash, hashlib.sha256(new.html.encode("utf-8")).hexdigest())
    for a in assets:
        name = layout.asset_path(entry.id, a.name)
        if name in entry.files:
            if entry.files[name].sha256 != a.sha256 or entry.files[name].size != a.size:
                raise _bad(f"{name}: differs from its description in {where}")
            item.assets.append(AssetSource(a, name))
        else:
            item.assets.append(AssetSource(a, layout.page(entry.id)))
    return item, new


def _check_latest(entry: mf.ArticleEntry, latest: VersionItem, new: NewVersion) -> None:
    where = layout.article_json(entry.id)
    if latest.content_hash != entry.content_hash:
        raise _bad(f"{where}: content hash differs from the manifest")
    for k in ("title", "published", "modified", "captured"):  # what inspect shows must be true
        shown = getattr(entry, k)
        if (shown is not None or k == "captured") and getattr(new, k) != shown:
            raise _bad(f"{where}: {k} differs from the manifest")


def _check_inline(aid: str, inline: list[AssetSource], found: dict[str, int]) -> None:
    for src in inline:
        a = src.asset
        if found.get(a.sha256) != a.size:
            raise _bad(f"{layout.article_json(aid)}: asset {a.name} is neither in the"
                       " bundle nor inline in its page")
