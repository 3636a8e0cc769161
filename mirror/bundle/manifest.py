"""manifest.json: the bundle's table of contents and integrity root.

    {"format": "mirror-bundle", "version": 1,
     "files": {"index.html": {"sha256": ..., "size": ...}},
     "articles": [{"id", "url", "title", "published", "modified", "captured",
                   "content_hash", "files": {path: {"sha256", "size"}}}]}

Every entry of the ZIP except manifest.json, signature.json and the padding
is listed exactly once, with its SHA-256 and size. Serialisation is fixed
(sorted keys) so the same content gives the same bytes, and a signature over
those bytes covers every file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from mirror import jsonsafe
from mirror.bundle import layout
from mirror.bundle.deflated import Deflated, Spill
from mirror.errors import VerificationError
from mirror.jsontext import dumps_sorted
from mirror.urls import valid_url

FORMAT = "mirror-bundle"
VERSION = 1


@dataclass(frozen=True, slots=True)  # a bundle holds one per entry: no __dict__ each
class FileRef:
    sha256: str
    size: int


@dataclass(slots=True)
class ArticleEntry:
    id: str
    url: str
    title: str | None
    published: str | None
    modified: str | None
    captured: str
    content_hash: str
    files: dict[str, FileRef] = field(default_factory=dict)


@dataclass
class Manifest:
    articles: list[ArticleEntry]
    files: dict[str, FileRef] = field(default_factory=dict)

    def all_files(self) -> dict[str, FileRef]:
        out = dict(self.files)
        for a in self.articles:
            out.update(a.files)
        return out

    def to_bytes(self) -> bytes:
        parts = ManifestParts()
        for a in sorted(self.articles, key=lambda a: a.id):
            parts.add(a)
        return parts.to_bytes(self.files)


class ManifestParts:
    """manifest.json gathered as a pack writes its articles, in id order:
    each article's encoded part (`encode_article`) goes into one deflate
    stream, so a pack of 100,000 articles holds their few hundred bytes each
    compressed, not as entry objects or text (a manifest of 100,000 articles
    peaked at 600 MiB encoded whole, 74 MiB as parts). Deflate's fastest
    level: its hashes do not compress at any level, and level 6 cost twice the
    time for a tenth less (10,000 articles: 2.0 MB, not 1.8; 0.04 s, not 0.1)."""

    def __init__(self, spill: Spill | None = None) -> None:
        self._text = Deflated(1, spill)
        self._last = ""
        self._count = 0

    def add(self, entry: ArticleEntry) -> None:
        if self._count and entry.id <= self._last:
            raise ValueError(f"manifest parts out of id order: {entry.id} after {self._last}")
        part = encode_article(entry).encode("utf-8")
        self._text.add(b",\n" + part if self._count else part)
        self._last = entry.id
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def chunks(self, files: dict[str, FileRef]) -> Iterator[bytes]:
        """manifest.json in pieces, each time anew: `to_bytes` joined."""
        head, tail = frame(files, bool(self._count))
        yield head
        yield from self._text.blocks()
        yield tail

    def to_bytes(self, files: dict[str, FileRef]) -> bytes:
        return b"".join(self.chunks(files))

    def close(self) -> None:
        self._text.close()


def _refs_json(d: dict[str, FileRef]) -> dict[str, dict[str, str | int]]:
    return {k: {"sha256": v.sha256, "size": v.size} for k, v in d.items()}


def encode_article(a: ArticleEntry) -> str:
    """One article's part of manifest.json, as `ManifestParts` places it. A pack
    keeps these few hundred bytes per article instead of the entry objects
    (a manifest of 100,000 articles peaked at 600 MiB encoded whole)."""
    doc = {"id": a.id, "url": a.url, "title": a.title, "published": a.published, "modified": a.modified,
           "captured": a.captured, "content_hash": a.content_hash, "files": _refs_json(a.files)}
    text = dumps_sorted(doc)
    return "  " + text.replace("\n", "\n  ")  # two levels in; JSON strings hold no raw newline


def frame(files: dict[str, FileRef], any_articles: bool) -> tuple[bytes, bytes]:
    """What comes before and after the articles' parts (in id order, joined
    by ",\n"), so that manifest.json is byte for byte `json.dumps` of the
    whole document with sorted keys and indent 1 ("articles" is its first key)."""
    rest = {"format": FORMAT, "version": VERSION, "files": _refs_json(files)}
    if not any_articles:
        doc = json.dumps({"articles": [], **rest}, sort_keys=True, ensure_ascii=False, indent=1)
        return (doc + "\n").encode("utf-8"), b""
    tail = json.dumps(rest, sort_keys=True, ensure_ascii=False, indent=1)
    return b'{\n "articles": [\n', b"\n ],\n" + (tail[2:] + "\n").encode("utf-8")


def ref(data: bytes) -> FileRef:
    return FileRef(hashlib.sha256(data).hexdigest(), len(data))


def _bad(what: str) -> VerificationError:
    return VerificationError(f"manifest.json: {what}")


def _ref_hook(obj: dict[str, object]) -> object:
    """`json.loads`'s object_hook: an object that `_refs` would accept as a
    file entry (exactly a valid "sha256" and "size") becomes its `FileRef` as
    it is parsed, so a manifest of 100,000 articles never holds its half a
    million entries as dicts; any other object is left as it is, for `parse`
    to judge. Lossless: `_as_object` gives the dict back where `parse`
    expects some other object, so every refusal stays what it was."""
    if len(obj) == 2:
        sha, size = obj.get("sha256"), obj.get("size")
        if (isinstance(sha, str) and layout.SHA_RE.match(sha) and type(size) is int and size >= 0):
            return FileRef(sha, size)
    return obj


def _as_object(obj: object) -> object:
    """What `_ref_hook` turned into a FileRef, as the dict it was parsed from."""
    return {"sha256": obj.sha256, "size": obj.size} if isinstance(obj, FileRef) else obj


def _plain(obj: object) -> object:
    """`obj` with every FileRef in it a dict again: for a refusal that shows
    a value, so it reads as the manifest's JSON, as it did before the hook."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return _as_object(obj)


def _refs(obj: object, where: str) -> dict[str, FileRef]:
    obj = _as_object(obj)
    if not isinstance(obj, dict):
        raise _bad(f"{where} must be an object")
    out = {}
    for path, r in obj.items():
        if isinstance(r, FileRef):  # checked as it was parsed (`_ref_hook`)
            out[path] = r
            continue
        if not isinstance(r, dict) or set(r) != {"sha256", "size"}:
            raise _bad(f"{where}: bad entry for {path[:60]!r}")
        sha, size = r["sha256"], r["size"]
        if not (isinstance(sha, str) and layout.SHA_RE.match(sha)):
            raise _bad(f"bad sha256 for {path[:60]!r}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _bad(f"bad size for {path[:60]!r}")
        out[path] = FileRef(sha, size)
    return out


def decode(data: bytes | bytearray) -> str:
    """The manifest's text, refused unless it is UTF-8 (so that a caller can
    let go of the bytes before parsing: at 100,000 articles each is 68 MB)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("not valid JSON") from None


def parse(data: bytes | str) -> Manifest:
    """Validate the schema of an untrusted manifest, held whole."""
    try:
        doc = _as_object(jsonsafe.loads(data if isinstance(data, str) else decode(data), object_hook=_ref_hook))
    except jsonsafe.TooDeep as e:
        raise _bad(str(e)) from None
    except (UnicodeDecodeError, ValueError):
        raise _bad("not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _bad("not a mirror bundle manifest")
    if not layout.is_text(doc):
        raise _bad("a string holds a lone surrogate escape (not Unicode text)")
    files = _top(doc)
    if not isinstance(doc.get("articles"), list):
        raise _bad("'articles' must be a list")
    seen: set[str] = set()
    articles = [_article(a, seen) for a in doc["articles"]]
    if not articles:
        raise _bad("no articles")
    _check_top(files, articles)
    return Manifest(articles, files)


def _top(doc: dict[str, object]) -> dict[str, FileRef]:
    """The version and the files outside the articles' folders."""
    if type(doc.get("version")) is not int or doc["version"] != VERSION:  # not true, not 1.0
        raise _bad(f"unsupported version {_plain(doc.get('version'))!r} (this mirror reads {VERSION})")
    if set(doc) - {"format", "version", "files", "articles"}:
        raise _bad("unknown top-level key")
    return _refs(doc.get("files", {}), "files")


def _check_top(files: dict[str, FileRef], articles: list[ArticleEntry]) -> None:
    for a in articles:
        for path in a.files:
            if path in files:
                raise _bad(f"{path[:60]!r} is listed twice")
    for path in files:
        if path.startswith("articles/") or path in layout.SPECIAL:
            raise _bad(f"{path[:60]!r} is listed in the wrong place")


def _article(obj: object, seen: set[str] | None) -> ArticleEntry:
    """One entry of "articles", checked; `seen` holds the ids before it
    (None: the caller checks that ids only increase, which rules out twins)."""
    a = _as_object(obj)
    if not isinstance(a, dict):
        raise _bad("an article entry is not an object")
    aid, url = a.get("id"), a.get("url")
    if not (isinstance(aid, str) and layout.ID_RE.match(aid)) or (seen is not None and aid in seen):
        raise _bad(f"bad or duplicate article id {str(_plain(aid))[:40]!r}")
    if seen is not None:
        seen.add(aid)
    if not (isinstance(url, str) and valid_url(url)):
        raise _bad(f"article {aid}: url is not a valid http(s) URL (no whitespace or control"
                   " characters, at most 4,096 characters)")
    layout.check_id(aid, url, "manifest.json")
    for k in ("title", "published", "modified"):
        if a.get(k) is not None and not isinstance(a[k], str):
            raise _bad(f"article {aid}: {k} must be a string")
    for k in ("captured", "content_hash"):
        if not isinstance(a.get(k), str):
            raise _bad(f"article {aid}: {k} must be a string")
    afiles = _refs(a.get("files"), f"article {aid} files")
    prefix = f"articles/{aid}/"
    for path in afiles:
        if not path.startswith(prefix):
            raise _bad(f"article {aid} lists a file outside its folder: {path[:60]!r}")
    if layout.article_json(aid) not in afiles:
        raise _bad(f"article {aid} has no article.json")
    return ArticleEntry(aid, url, a.get("title"), a.get("published"), a.get("modified"),
                        a["captured"], a["content_hash"], afiles)


# How `ManifestParts` lays the document out (`frame`): the head, each
# article's part closed by a line "  }" and joined by ",\n", the array closed.
HEAD = b'{\n "articles": [\n'
PART_END = b"\n  },\n"
LAST_END = b"\n  }\n ]"


class _NotOurs(Exception):
    """Not laid out as `ManifestParts` writes it, or not valid: the whole
    document is parsed instead, and its verdict stands."""


def _split(blocks: Iterable[bytes]) -> Iterator[tuple[bool, bytes]]:
    """(True, part) for each article part of a manifest laid out as we write
    it, then (False, its tail: what follows the articles' array). Splits
    only where our layout puts a line "  }," or "  }\n ]"; each part must
    then parse as one JSON value on its own (`_stream`), which it can only if
    the split fell between the array's elements (a raw newline is never
    inside a JSON string, and a cut inside an element leaves its brackets
    open). So the parts are exactly the elements a whole parse would find."""
    buf = bytearray()
    pos = -1  # where the next part starts; -1 until the head is seen
    ended = False
    for block in blocks:
        buf += block
        if ended:
            continue
        if pos < 0:
            if len(buf) < len(HEAD):
                continue
            if not buf.startswith(HEAD):
                raise _NotOurs
            pos = len(HEAD)
        last = buf.find(LAST_END, pos)  # once a block: it moves only when data comes
        while True:
            k = buf.find(PART_END, pos)
            if last >= 0 and (k < 0 or last < k):
                yield True, bytes(buf[pos:last + 4])
                del buf[:last + len(LAST_END)]
                ended = True
                break
            if k < 0:
                break
            yield True, bytes(buf[pos:k + 4])
            pos = k + len(PART_END)
        if not ended:
            del buf[:pos]
            pos = 0
    if not ended:
        raise _NotOurs
    yield False, bytes(buf)


def _load_part(part: bytes, depth: int) -> object:
    """A part as JSON on its own, nested at most `depth` (what is left of
    the document's bound where it sits)."""
    try:
        obj = jsonsafe.loads(part.decode("utf-8"), max_depth=depth, object_hook=_ref_hook)
    except (UnicodeDecodeError, ValueError):
        raise _NotOurs from None
    if not layout.is_text(obj):
        raise _NotOurs
    return obj


def _stream(blocks: Iterable[bytes]) -> Iterator[ArticleEntry | dict[str, FileRef]]:
    """Each article entry of a manifest laid out as we write it, checked as
    `parse` checks it, then its top-level files. _NotOurs if the layout is
    not ours or anything is wrong (the whole parse then gives the verdict)."""
    last = ""
    tail = b""
    for is_part, part in _split(blocks):
        if not is_part:
            tail = part
            break
        try:
            entry = _article(_load_part(part, jsonsafe.MAX_DEPTH - 2), None)
        except VerificationError:
            raise _NotOurs from None
        if entry.id <= last:  # ours are in id order; increasing ids are never twins
            raise _NotOurs
        last = entry.id
        yield entry
    # The tail: "}" or "," and the remaining members ("\n ]" was cut off).
    rest = tail.lstrip()
    if rest.startswith(b","):
        rest = b"{" + rest[1:]
    doc = _as_object(_load_part(rest, jsonsafe.MAX_DEPTH))
    if not last or not isinstance(doc, dict) or doc.get("format") != FORMAT or "articles" in doc:
        raise _NotOurs
    try:
        files = _top(doc)
        _check_top(files, [])
    except VerificationError:
        raise _NotOurs from None
    yield files


@dataclass
class Entries:
    """A validated manifest's articles, read again each time they are
    iterated: streamed from `blocks()` (the manifest entry of the bundle)
    when it is laid out as we write it, so a bundle of 100,000 articles never
    holds their entries; held whole otherwise (then it is small, or hostile
    and capped like any page). `files` are the top-level files."""

    files: dict[str, FileRef]
    count: int
    _blocks: Callable[[], Iterable[bytes]]
    _held: list[ArticleEntry] | None
    _digest: bytes

    def __iter__(self) -> Iterator[ArticleEntry]:
        if self._held is not None:
            yield from self._held
            return
        try:
            for got in _read(self._blocks(), self._digest):
                if isinstance(got, ArticleEntry):
                    yield got
        except _NotOurs:  # it was ours when first read: only other bytes can fail now
            raise _bad("changed while it was being read") from None


def _hashing(blocks: Iterable[bytes], h: "hashlib._Hash") -> Iterator[bytes]:
    for b in blocks:
        h.update(b)
        yield b


def _read(blocks: Iterable[bytes], digest: bytes) -> Iterator[ArticleEntry | dict[str, FileRef]]:
    """`_stream`, refused at the end unless the bytes hash to `digest` (the
    bytes whose signature was checked are the bytes read)."""
    h = hashlib.sha256()
    yield from _stream(_hashing(blocks, h))
    if h.digest() != digest:
        raise _bad("changed while it was being read")


def entries(blocks: Callable[[], Iterable[bytes]], digest: bytes) -> Entries:
    """Validate the manifest whose bytes `blocks()` gives (SHA-256 `digest`:
    the bytes whose signature was checked), reading it once through."""
    count = 0
    files: dict[str, FileRef] = {}
    try:
        for got in _read(blocks(), digest):
            if isinstance(got, ArticleEntry):
                count += 1
            else:
                files = got
    except _NotOurs:
        whole = bytearray()
        for b in blocks():
            whole += b
        if hashlib.sha256(whole).digest() != digest:
            raise _bad("changed while it was being read") from None
        text = decode(whole)
        del whole  # as large as the text: not held while parsing
        m = parse(text)
        return Entries(m.files, len(m.articles), blocks, m.articles, digest)
    return Entries(files, count, blocks, None, digest)
