"""The static-site files of a bundle: reader pages, article.json, index.

Images are inlined as `data:` URIs. Proven in Chromium (tests/test_bundle_site):
from a `file://` page, relative images need `img-src 'self'` or `file:`, and
Chromium's 'self' then matches *every* file: URL (we saw it try
file:///etc/...), which on Windows includes UNC paths, i.e. network shares.
`img-src data:` admits only what is inside the page. An image that cannot be
inlined (unsniffable type, or not referenced by the HTML) is carried as an
`assets/<name>` file so that import loses nothing.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from mirror.bundle import layout
from mirror.errors import MirrorError, RenderError, UsageError
from mirror.jsontext import dumps_sorted
from mirror.termtext import line
from mirror.model import V, Asset, StoredVersion, Summary, VersionHead, with_meta
from mirror.render.nav import Link, Nav


@dataclass
class SitePlan:
    """What every page of a site must know of the others before any is
    written: the language of the index (and bundle page), how the index
    groups, and its order, which previous/next follow. It keeps an id and a
    link text an article, not their summaries (the index reads those again
    as it is written): for 100,000 articles ~25 MiB, not ~55 (tracemalloc)."""

    lang: str
    by: str
    ids: list[str]  # the index's order
    links: list[tuple[str, str | None]]  # each one's link text (title, else URL) and language

    def __post_init__(self) -> None:
        self._at = {aid: i for i, aid in enumerate(self.ids)}

    def position(self, aid: str) -> int | None:
        """Where `aid` is in the index's order (None: not in the plan)."""
        return self._at.get(aid)

    def nav(self, aid: str, versions: int, L: Labels) -> Nav:
        """The links of an article's page (relative to articles/<id>/)."""
        i = self.position(aid)

        def link(j: int) -> Link | None:
            if i is None or not 0 <= j < len(self.ids):
                return None
            text, lang = self.links[j]
            return Link(f"../{self.ids[j]}/index.html", text, lang)

        related = None
        if versions > 1:
            related = Link("versions.html", L.ngettext("{n} version: what changed", "{n} versions: what changed",
                                                       versions))
        return Nav(index="../../index.html", prev=link(i - 1) if i is not None else None,
                   next=link(i + 1) if i is not None else None, related=related)


class Written:
    """Which articles of a plan were written (some may fail to render):
    a byte a planned article, not a set of ids (100,000: 0.1 MiB, not 10)."""

    def __init__(self, site_plan: SitePlan) -> None:
        self.plan = site_plan
        self._flags = bytearray(len(site_plan.ids))

    def add(self, aid: str) -> None:
        if (i := self.plan.position(aid)) is not None:
            self._flags[i] = 1

    def __iter__(self) -> Iterator[str]:
        """The ids written, in the plan's order."""
        return (aid for aid, done in zip(self.plan.ids, self._flags) if done)


def plan(summaries: Iterable[Summary], lang: str | None = None, by: str = "date") -> SitePlan:
    """The plan for these articles (one summary an id; read once, not
    kept): `lang` (None: the most common language of the articles) and `by`
    ("date" or "outlet")."""
    from mirror.render import i18n
    from mirror.render.index import GROUPINGS, in_order, place

    if by not in GROUPINGS:
        raise UsageError(f"the index groups by {' or '.join(GROUPINGS)}, not {by!r}")
    places, langs = [], []
    links: dict[str, tuple[str, str | None]] = {}
    for s in summaries:
        tag = sys.intern(s.lang) if s.lang else None  # a few languages, 100,000 articles
        places.append(place(s, by))
        langs.append(tag)
        links[s.id] = (s.title or s.url, tag)
    code = i18n.choose(lang, langs)
    ids = [p.id for p in in_order(places)]
    del places
    return SitePlan(code, by, ids, [links[aid] for aid in ids])


if TYPE_CHECKING:
    from mirror.bundle.manifest import FileRef
    from mirror.bundle.pagecache import PageCache
    from mirror.render.i18n import Labels


@dataclass
class SiteFile:
    name: str
    data: bytes
    compress: bool = True
    huffman_only: bool = False  # mostly base64 image data: no repeats to find
    digest: bytes | None = None  # SHA-256 of `data` where it was needed before the manifest

    def ref(self) -> FileRef:
        """The manifest's reference, hashing `data` only if no one did yet."""
        from mirror.bundle.manifest import FileRef

        if self.digest is None:
            self.digest = _sha256(self.data)
        return FileRef(self.digest.hex(), len(self.data))


def _sha256(data: bytes) -> bytes:
    import hashlib  # (here, not at the top: `show` renders pages and never hashes one)

    return hashlib.sha256(data).digest()


@dataclass
class ArticleFiles:
    art: StoredVersion  # the copy written (captured cut to the day)
    files: list[SiteFile] = field(default_factory=list)  # sorted by name
    asset_files: list[tuple[str, str]] = field(default_factory=list)  # (zip name, sha) to stream


def public_copy(art: V) -> V:
    """What the bundle says about a capture: no time finer than a day, no
    archive-specific version numbering. A shallow copy of the fields, as
    `dataclasses.replace` makes but without running `__init__` again (which
    checks nothing here): an export copies every head and version so."""
    copy = object.__new__(type(art))
    copy.__dict__.update(art.__dict__)
    copy.captured, copy.version, copy.versions = layout.day(art.captured), 1, 1
    return copy


def _json_file(name: str, art: StoredVersion) -> SiteFile:
    """An article.json, hashed once: the page cache's key and the manifest
    both need its SHA-256."""
    data = (dumps_sorted(layout.to_article_json(art)) + "\n").encode("utf-8")
    return SiteFile(name, data, digest=_sha256(data))


def article_files(versions: list[StoredVersion], read_blob: Callable[[str], bytes],
                  site_plan: SitePlan | None = None, pages: "PageCache | None" = None) -> ArticleFiles:
    """Files of one article: the page and article.json of the latest version
    (`versions[-1]`), `versions/NNNN.json` for earlier ones (oldest first, so
    an importing archive keeps their order), the versions page when there
    are several, and as files the assets that the page does not show inline.
    With `site_plan` the pages link to the index and their neighbours. With
    `pages`, a page rendered before (same article.json, same links, same
    renderer) is taken from there, and a new one stored."""
    from mirror.bundle import pagecache
    from mirror.render import data_uri
    from mirror.render.i18n import labels
    from mirror.render.versions import versions_page

    art = public_copy(versions[-1])
    doc = _json_file(layout.article_json(art.id), art)
    uris: dict[str, str | None] = {}  # sha -> data: URI (None: not an image a page can show)

    def uri_of(sha: str) -> str | None:
        if sha not in uris:
            uris[sha] = data_uri(read_blob(sha))
        return uris[sha]

    L = labels(art.lang)
    nav = site_plan.nav(art.id, len(versions), L) if site_plan is not None else None
    key = pagecache.key(doc.ref().sha256, nav) if pages is not None else ""
    cached = pages.get(key) if pages is not None else None
    if cached is not None:
        nonce, page = cached
    else:
        # Unguessable, so that article text quoting a placeholder (text is not
        # escaped like attributes) is neither replaced nor mistaken for a leftover.
        nonce = secrets.token_hex(16)

        def image_src(asset: Asset) -> str | None:
            # The sanitiser gets a short placeholder, swapped for the image after:
            # pushing megabytes of base64 through it took a third of pack's time.
            if uri_of(asset.sha256) is None:
                return None
            return _token(nonce, asset.sha256)

        page = render(art, image_src, nav).encode("utf-8")
        if pages is not None:
            pages.put(key, nonce, page)
    inlined: set[str] = set()
    inline_bytes = 0
    html = page  # UTF-8: the placeholders and the data: URIs are ASCII, so they are replaced as bytes
    for sha in dict.fromkeys(a.sha256 for a in art.assets):
        token = f'src="{_token(nonce, sha)}"'.encode("ascii")
        if token in html and (uri := uri_of(sha)) is not None:  # else dropped: carried as a file
            html = html.replace(token, f'src="{uri}"'.encode("ascii"))
            inlined.add(sha)
            inline_bytes += len(uri)
    if nonce.encode("ascii") in html:
        raise UsageError(f"article {art.id}: an inline image could not be placed in its page")
    out = ArticleFiles(art)
    out.files.append(doc)
    out.files.append(SiteFile(layout.page(art.id), html, huffman_only=inline_bytes * 2 > len(html)))
    older = [_json_file(layout.version_json(art.id, i), public_copy(old)) for i, old in enumerate(versions[:-1], 1)]
    out.files.extend(older)
    if len(versions) > 1:
        back = Nav(index="../../index.html" if site_plan is not None else None,
                   related=Link("index.html", L._("Back to the article")))
        vkey = pagecache.versions_key([f.ref().sha256 for f in older] + [doc.ref().sha256], back) \
            if pages is not None else ""
        hit = pages.get(vkey) if pages is not None else None
        if hit is not None:
            vpage = hit[1]
        else:  # a word diff of every pair: as costly as rendering the article
            vpage = versions_page([public_copy(v) for v in versions], back).encode("utf-8")
            if pages is not None:
                pages.put(vkey, "", vpage)
        out.files.append(SiteFile(layout.versions_page(art.id), vpage))
    carried: dict[str, str] = {}
    for v in versions:
        for a in v.assets:
            if a.sha256 in inlined or carried.get(a.name) == a.sha256:
                continue
            if a.name in carried:
                raise UsageError(f"article {art.id}: two versions have different assets named {a.name}")
            if not layout.ASSET_NAME_RE.match(a.name):  # e.g. `x.html` from someone else's bundle
                raise UsageError(f"article {art.id}: asset {a.name!r} is not named as an image; refusing to"
                                 f" write it (remove the article: mirror rm {art.id})")
            carried[a.name] = a.sha256
            out.asset_files.append((layout.asset_path(art.id, a.name), a.sha256))
    out.files.sort(key=lambda f: f.name)
    out.asset_files.sort()
    return out


def _token(nonce: str, sha: str) -> str:
    return f"data:image/x-mirror-inline;base64,{nonce}{sha}"


def render(art: StoredVersion, image_src: Callable[[Asset], str | None], nav: Nav | None = None) -> str:
    """The reader page, or RenderError naming the article: stored HTML that
    the parser rejects (bs4's ParserRejectedMarkup on `<![>`, found by a red
    team) must cost that one article, not a whole pack or export."""
    from mirror.render import render_article_page

    try:
        return render_article_page(art, image_src, nav)
    except MirrorError:
        raise
    except Exception as e:  # noqa: BLE001 - any parser failure is this article's
        raise RenderError(f"article {art.id} ({line(art.url)[:100]}) cannot be rendered:"
                          f" {type(e).__name__}") from None


def renders(html: str) -> str | None:
    """None if stored HTML goes through the renderer's parse and clean, else
    why not (import refuses what pack, export and show could not render)."""
    from mirror.sanitize import render_clean

    try:
        render_clean(html, lambda name: None)
    except Exception as e:  # noqa: BLE001 - see render()
        return type(e).__name__
    return None


def summary(art: StoredVersion | VersionHead, versions: int = 1) -> Summary:
    return with_meta(Summary(id=art.id, url=art.url, captured=art.captured, versions=versions), art)


def index_file(written: Written, summaries: Callable[[list[str]], Iterable[Summary]]) -> Callable[[], Iterator[bytes]]:
    """The index of the articles of the plan that were written, in pieces
    (each call anew): `summaries(ids)` reads theirs again, in that order."""
    from mirror.render.index import index_chunks

    site_plan = written.plan
    shown = list(written)

    def chunks() -> Iterator[bytes]:
        block: list[str] = []
        size = 0
        for piece in index_chunks(summaries(shown), len(shown), lambda s: layout.page(s.id), site_plan.lang,
                                  site_plan.by):
            block.append(piece)
            size += len(piece)
            if size >= 1 << 16:  # in blocks, not a piece a line: fewer calls to deflate and write
                yield "".join(block).encode("utf-8")
                block, size = [], 0
        yield "".join(block).encode("utf-8")

    return chunks


def is_compressed_image(mime: str) -> bool:
    return mime in ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")
