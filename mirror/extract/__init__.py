"""Article extraction: metadata and the body of a news page.

    from mirror.extract import extract, decode_html
    art = extract(page_bytes_or_str, url="https://example.org/story")

The page is parsed once with lxml; metadata is read first (it needs the
scripts and head), then the tree is cleaned in place and the body found.
"""

from __future__ import annotations

import re

from lxml import etree

from mirror.errors import ExtractionError
from mirror.extract.body import extract_body
from mirror.extract.decode import decode_html
from mirror.extract.dom import parse
from mirror.extract.metadata import extract_metadata
from mirror.extract.text import fragment_from_text, to_text
from mirror.model import Extracted, with_meta

__all__ = ["extract", "decode_html"]

MAX_BYTES = 20 * 1024 * 1024
_LOOKS_HTML = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|meta|title|div|p|article|h[1-6])\b",
                         re.I)


def _as_text(html: bytes | str) -> str:
    if isinstance(html, (bytes, bytearray, memoryview)):
        data = bytes(html)
        if len(data) > MAX_BYTES:
            raise ExtractionError(f"page too large ({len(data)} bytes, limit {MAX_BYTES})")
        if b"\x00" in data[:1024] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ExtractionError("input is binary data, not an HTML page")
        return decode_html(data)
    if not isinstance(html, str):
        raise ExtractionError(f"expected HTML as bytes or str, got {type(html).__name__}")
    if len(html) > MAX_BYTES:
        raise ExtractionError(f"page too large ({len(html)} characters, limit {MAX_BYTES})")
    return html


def extract(html: bytes | str, url: str | None = None) -> Extracted:
    """Metadata, body HTML fragment, body text and image URLs of one page.

    `url` is where the page came from: the base for relative links and
    images. The result's `url` is the page's own absolute canonical URL when it
    declares one, else `url`. Raises ExtractionError when the input is empty,
    binary, not HTML, too large, or has no article text."""
    text = _as_text(html)
    if not text.strip():
        raise ExtractionError("the page is empty")
    if not _LOOKS_HTML.search(text[:65536]):
        raise ExtractionError("input does not look like an HTML page")
    root = parse(text)
    md = extract_metadata(root, url)
    fragment, images = extract_body(root, md, url or md.canonical)
    body_text = to_text(fragment) if fragment is not None else ""
    if md.article_body and (not body_text or (len(md.article_body) >= 200
                                               and len(md.article_body) >= 2 * len(body_text))):
        # The page's markup lost the story (rendered by script, or our pick
        # failed) but its JSON-LD carries the text: use that.
        fragment = fragment_from_text(md.article_body)
        body_text = to_text(fragment)
        images = [md.lead_image] if md.lead_image else []
    if not body_text or fragment is None:  # (no fragment means no text)
        raise ExtractionError("no article text found in the page")
    body_html = etree.tostring(fragment, encoding="unicode", method="html")
    if md.lead_image and md.lead_image in images:
        images.remove(md.lead_image)
        images.insert(0, md.lead_image)
    return with_meta(Extracted(url=md.canonical or url, text=body_text, html=body_html, images=images,
                               description=md.description, canonical=md.canonical), md)
