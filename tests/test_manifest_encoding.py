"""manifest.json is encoded an article at a time (a pack keeps each
article's encoded part, not its entry); the bytes must stay those of the
whole document encoded at once: bundles are reproducible, and signed."""

import json

import pytest

from hypothesis import given, settings, strategies as st

from mirror.bundle.manifest import FORMAT, VERSION, ArticleEntry, FileRef, Manifest, ManifestParts

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
maybe = st.none() | text
refs = st.dictionaries(text, st.builds(FileRef, st.text("0123456789abcdef", min_size=1, max_size=64),
                                       st.integers(0, 2**40)), max_size=3)
entry = st.builds(ArticleEntry, st.text("0123456789abcdef", min_size=16, max_size=16), text, maybe, maybe, maybe,
                  text, st.text("0123456789abcdef", max_size=64), refs)


def whole(articles, files) -> bytes:
    def r(d):
        return {k: {"sha256": v.sha256, "size": v.size} for k, v in d.items()}
    doc = {"format": FORMAT, "version": VERSION, "files": r(files),
           "articles": [{"id": a.id, "url": a.url, "title": a.title, "published": a.published,
                         "modified": a.modified, "captured": a.captured, "content_hash": a.content_hash,
                         "files": r(a.files)} for a in sorted(articles, key=lambda a: a.id)]}
    return (json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.lists(entry, max_size=5, unique_by=lambda a: a.id), refs)
def test_parts_give_the_bytes_of_the_whole_document(articles, files):
    parts = ManifestParts()
    for a in sorted(articles, key=lambda a: a.id):  # a pack writes its articles in id order
        parts.add(a)
    assert parts.to_bytes(files) == whole(articles, files) == Manifest(articles, files).to_bytes()
    # the pieces a pack deflates as it goes: the same bytes, every time they are asked for
    assert b"".join(parts.chunks(files)) == b"".join(parts.chunks(files)) == whole(articles, files)
    assert len(parts) == len(articles)


def test_parts_out_of_id_order_are_refused():
    """The parts are compressed as they come: one out of order could not be
    put in its place, and a manifest in the wrong order must not be written."""
    a, b = (ArticleEntry(i * 16, "https://example.org/", None, None, None, "2026-01-01", "0" * 64)
            for i in "ab")
    parts = ManifestParts()
    parts.add(b)
    for late in (a, b):
        with pytest.raises(ValueError, match="out of id order"):
            parts.add(late)
