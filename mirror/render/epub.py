"""One EPUB 3 book of articles, for e-readers (`mirror export-epub`).

EbookLib writes the package (OPF, nav, NCX, XHTML chapters); we give it one
chapter per article, in the index's order and grouping, each in its own
language and direction, with its images as files inside the book. Nothing in
it names a resource outside the book: images are only ours (sniffed, of the
EPUB core types: JPEG, PNG, GIF), links out of the book lose their `href`
(they become plain text: an e-reader that follows one goes online, in the
open), and there is no
script. The ZIP is rewritten with every entry dated 1980-01-01 and the
book's `dcterms:modified` is the day of its newest capture, so the file does
not tell when, to the second, it was made.

An EPUB is not encrypted: the CLI says so, and the README says when to use it.
"""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile
from importlib import resources
from typing import Callable

from mirror import imageinfo
from mirror.model import Asset, StoredVersion, Summary
from mirror.render.i18n import labels
from mirror.render.index import sections
from mirror.render.page import clean_lang, direction
from mirror.render.reader import article_html

CORE_IMAGES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}
NAMESPACE = uuid.UUID("6b1d8c64-5a0e-4bb4-9a53-0d2f5e0f6f1e")  # the book id is a UUIDv5 of its articles


def _css() -> str:
    return resources.files("mirror.render").joinpath("epub.css").read_text(encoding="utf-8")


def _strip_remote_links(xhtml_body: str) -> str:
    """Chapters keep a link's words, not where it leads (see the module doc)."""
    import lxml.html

    root = lxml.html.fragment_fromstring(xhtml_body, create_parent="div")
    for a in list(root.iter("a")):
        if not a.get("href", "").startswith("#"):  # (epubcheck wants every <a> to have an href)
            a.tag = "span"
            a.attrib.clear()
            a.set("class", "link")
    return lxml.html.tostring(root, encoding="unicode")


def book_bytes(summaries: list[Summary], article: Callable[[str], StoredVersion],
               read_blob: Callable[[str], bytes], lang: str, by: str) -> tuple[bytes, int]:
    """The EPUB of these articles (`article(id)` gives the version to show),
    grouped and ordered as the index; returns its bytes and the number of
    chapters."""
    from ebooklib import epub

    L = labels(lang)
    book = epub.EpubBook()
    ids = sorted(s.id for s in summaries)
    book.set_identifier(f"urn:uuid:{uuid.uuid5(NAMESPACE, ' '.join(ids))}")
    book.set_title(L._("Articles"))
    book.set_language(L.lang)
    book.set_direction(L.dir)
    style = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=_css())
    book.add_item(style)
    images: dict[str, str] = {}  # sha256 -> file name in the book
    toc, spine, newest = [], ["nav"], "1980-01-01"

    def image_src(asset: Asset) -> str | None:
        if asset.sha256 in images:
            return images[asset.sha256]
        data = read_blob(asset.sha256)
        kind = imageinfo.sniff(data)
        if kind is None or kind.mime not in CORE_IMAGES:
            return None
        name = f"images/{asset.sha256[:16]}.{CORE_IMAGES[kind.mime]}"
        book.add_item(epub.EpubImage(uid=f"img-{asset.sha256[:16]}", file_name=name, media_type=kind.mime,
                                     content=data))
        images[asset.sha256] = name
        return name

    count = 0
    for sec in sections(summaries, by, L):
        chapters = []
        for s in sec.items:
            art = article(s.id)
            newest = max(newest, art.captured[:10])
            code = clean_lang(art.lang)
            ch = epub.EpubHtml(uid=f"a{art.id}", title=art.title or art.url, file_name=f"a{art.id}.xhtml",
                               lang=code or L.lang, direction=direction(code or L.lang))
            ch.content = "<html><body>" + _strip_remote_links(article_html(art, image_src)) + "</body></html>"
            ch.add_item(style)
            book.add_item(ch)
            chapters.append(ch)
            spine.append(ch)
            count += 1
        toc.append((epub.Section(sec.heading), chapters))
    book.toc = toc
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav(title=L._("Contents"), direction=L.dir))
    book.spine = spine
    raw = io.BytesIO()
    day = datetime.datetime.fromisoformat(newest)
    epub.write_epub(raw, book, {"mtime": day, "raise_exceptions": True})
    return _undated(raw.getvalue()), count


def _undated(data: bytes) -> bytes:
    """The same ZIP with every entry dated 1980-01-01 00:00 (the ZIP epoch),
    `mimetype` first and stored, as EPUB requires."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info))
    return out.getvalue()
