"""Every lookup of one article or one blob is an index search, never a scan
of a table: its cost must not grow with the archive (100,000 articles)."""

from __future__ import annotations

import hashlib
import re

from mirror.model import Asset, NewVersion
from mirror.store import Archive

# A full scan of a table, by name or by the catalogue's aliases ("SCAN v"); not
# a walk of an index ("SCAN v USING INDEX ...": a listing in index order), nor of
# a page of results ("SCAN hits"), nor FTS5's virtual table.
FULL_SCAN = re.compile(r"^SCAN (articles|versions|assets|feeds|feed_entries|search_langs|a|v|v2)$")


def _version(i: int, text: str = "Text") -> NewVersion:
    img = hashlib.sha256(f"img{i}".encode()).digest() * 8
    a = Asset(f"{hashlib.sha256(img).hexdigest()[:16]}.png", hashlib.sha256(img).hexdigest(), "image/png", len(img))
    return NewVersion(url=f"https://n.example/{i}", title=f"Story {i}", byline=None, published=None,
                      modified=None, lang="en", site_name="N", text=f"{text} {i} about the harbour.",
                      html=f"<p>{text} {i}</p>", captured=f"2026-10-{1 + i % 28:02d}T00:00:00Z",
                      assets=[(a, img)], raw=f"<html>{text} {i}</html>".encode())


def test_per_article_and_per_blob_statements_search_an_index(tmp_path):
    with Archive.create(tmp_path / "a", None) as ar:
        saved = [ar.save(_version(i)) for i in range(40)]
        statements: list[str] = []
        ar.db.set_trace_callback(statements.append)

        one = saved[7].id
        ar.save(_version(7, "Edited"))  # a second version of one article
        ar.resolve(one)
        ar.resolve(one[:6])
        cur = ar.get(one)
        ar.get(one, 1)
        ar.versions(one)
        ar.has_content(one, cur.content_hash)
        ar.raw_page(cur)
        ar.catalogue.names_blob(cur.assets[0].sha256)
        ar.catalogue.names_blob(hashlib.sha256(cur.html.encode()).hexdigest())
        list(ar.summaries(limit=5))
        ar.search("harbour", limit=5)
        ar.remove(saved[9].id)

        ar.db.set_trace_callback(None)
        checked = 0
        for sql in statements:
            if not re.match(r"\s*(SELECT|WITH|DELETE|UPDATE|INSERT)", sql, re.I):
                continue
            plan = [r[3] for r in ar.db.execute("EXPLAIN QUERY PLAN " + sql)]
            scans = [d for d in plan if FULL_SCAN.match(d)]
            assert not scans, (sql, plan)
            checked += 1
        assert checked >= 15, statements
