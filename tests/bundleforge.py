"""Forging bundles as an attacker who can fix every hash would: shared by the
red-team regression tests and the fuzzer."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from mirror.bundle import layout
from mirror.model import content_hash


def files_of(plain: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(plain))
    return {i.filename: zf.read(i) for i in zf.infolist()}


def rebuild(plain: bytes, edit) -> bytes:
    """An unsigned bundle made by someone who can fix every hash: `edit(files)`
    changes the entries (name -> bytes); article.json content hashes, the
    manifest's copies of their fields and every file hash are recomputed."""
    files = files_of(plain)
    files.pop(layout.SIGNATURE, None)
    edit(files)
    man = json.loads(files[layout.MANIFEST])
    for a in man["articles"]:
        doc = json.loads(files[layout.article_json(a["id"])])
        for k in ("title", "published", "modified", "captured", "content_hash", "url"):
            a[k] = doc[k]
        prefix = f"articles/{a['id']}/"
        a["files"] = {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                      for n, d in files.items() if n.startswith(prefix)}
    man["files"] = {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                    for n, d in files.items() if not n.startswith("articles/") and n not in layout.SPECIAL}
    files[layout.MANIFEST] = json.dumps(man).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    return buf.getvalue()


def zipped(files: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    return buf.getvalue()


def edit_article(files: dict, aid: str, fn) -> None:
    """Change article.json with `fn(doc)` and fix its content hash."""
    name = layout.article_json(aid)
    doc = json.loads(files[name])
    fn(doc)
    doc["content_hash"] = content_hash(doc["url"], doc["title"], doc["byline"], doc["published"],
                                       doc["modified"], doc["lang"], doc["site_name"], doc["text"],
                                       doc["html"], [a["sha256"] for a in doc["assets"]])
    files[name] = json.dumps(doc, ensure_ascii=False).encode()
