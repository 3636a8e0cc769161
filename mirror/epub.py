"""`mirror export-epub`: the chosen articles as one EPUB 3 file, written
atomically. The book is built by `mirror.render.epub`; what goes in, in which
order and language, follows the same plan as a bundle's index
(`mirror.bundle.pack.plan`), so a book and a bundle of the same articles read
alike. The file is plaintext."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mirror.bundle import pack
from mirror.errors import UsageError
from mirror.model import StoredVersion, current_of

if TYPE_CHECKING:
    from mirror.store import Archive

NOT_ENCRYPTED = ("this EPUB is NOT encrypted: anyone who gets the file can read every article in it and see"
                 " which outlets you read; keep it on an encrypted device, and use `mirror pack` to pass"
                 " articles on")


def export_epub(ar: Archive, ids: list[str], out: Path, look: pack.Look = pack.Look(), overwrite: bool = False) -> int:
    """Write the book of `ids` to `out` (an existing file only with
    `overwrite`); return the number of chapters."""
    from mirror.model import future_cutoff
    from mirror.render.epub import book_bytes

    site_plan = pack.plan(ar, ids, look)
    if not site_plan.ids:
        raise UsageError("no article left to write: none of the selected articles could be rendered")
    cut = future_cutoff()

    def article(aid: str) -> StoredVersion:
        return current_of([v for v in ar.versions(aid) if v.captured <= cut])

    summaries = list(pack.summaries_of(ar)(site_plan.ids))
    data, n = book_bytes(summaries, article, ar.read_blob, site_plan.lang, site_plan.by)
    with pack.atomic_output(Path(out), overwrite) as f:
        f.write(data)
    return n
