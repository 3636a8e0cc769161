"""Body fragment -> plain text: one paragraph per block, blank lines between,
without captions (they describe pictures, not the story)."""

from __future__ import annotations

import re

from lxml import etree

from mirror.extract.dom import BLOCK_TAGS

_SKIP_TAGS = frozenset({"figcaption", "script", "style", "img", "picture", "source", "caption"})
_CAPTION_CLASS = re.compile(r"caption|credit|image-desc|img-desc|photo-desc|legend|copyright",
                            re.I)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")
_FIGURE_TEXT = frozenset({"blockquote", "table", "pre", "ul", "ol"})
_CELL_TAGS = frozenset({"td", "th"})


def is_caption(el: etree._Element) -> bool:
    """A picture caption or credit line (kept in the HTML, not in the text)."""
    if el.tag == "figcaption":
        return True
    c = el.get("class")
    return bool(c and _CAPTION_CLASS.search(c))


def to_text(fragment: etree._Element) -> str:
    """Plain text of a body fragment."""
    blocks: list[str] = []
    cur: list[str] = []

    def flush() -> None:
        if cur:
            # <br><br> separates paragraphs; a single <br> is a line break.
            for chunk in _BLANK_LINE.split("".join(cur)):
                # (_SPACES never matches a line break: one sub for the chunk.)
                lines = [ln.strip() for ln in _SPACES.sub(" ", chunk).split("\n")]
                chunk = "\n".join(ln for ln in lines if ln)
                if chunk:
                    blocks.append(chunk)
            cur.clear()

    def walk(el: etree._Element, in_figure: bool = False) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return
        if tag in _SKIP_TAGS or (el.get("class") and is_caption(el)):
            return
        if in_figure and tag not in _FIGURE_TEXT:
            # Inside a figure only quoted or tabular content is text; the rest
            # is captions and credits (<cite>, <small>, meta spans).
            for child in el:
                walk(child, True)
            return
        if tag == "figure":
            for child in el:
                walk(child, True)
            return
        if tag == "pre":
            # Preformatted text keeps its lines and indentation.
            flush()
            raw = "".join(el.itertext()).strip("\n")
            if raw.strip():
                blocks.append(raw.rstrip())
            return
        block = tag in BLOCK_TAGS
        if tag == "br":
            cur.append("\n")
            return
        if block:
            flush()
        if el.text:
            cur.append(el.text.replace("\n", " "))
        for child in el:
            walk(child)
            if child.tail:
                cur.append(child.tail.replace("\n", " "))
            if child.tag in _CELL_TAGS:
                cur.append("\t")
        if block:
            flush()

    walk(fragment)
    flush()
    text = "\n\n".join(blocks)
    return text.replace("\t", " ").strip("\n ")


def fragment_from_text(text: str) -> etree._Element:
    """A <div> of <p> paragraphs from plain text (one paragraph per line), for
    bodies known only as text (JSON-LD articleBody). Markup inside is kept as
    text, never parsed: it comes from a script block."""
    div = etree.Element("div")
    for line in re.split(r"\n+|\r+", text):
        line = _SPACES.sub(" ", line).strip()
        if line:
            etree.SubElement(div, "p").text = line
    return div
