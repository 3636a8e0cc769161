"""Re-run extraction on stored raw pages, so an extraction fix reaches old
captures. Offline: the images are the ones stored with the capture (matched
by the URL they came from), never fetched again. The result is a new version
only if it differs; it keeps the capture's date (it is the same capture, read
better), and as the newest number it becomes the current version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mirror.config import FetchConfig
from mirror.errors import MirrorError

if TYPE_CHECKING:
    from mirror.store import Archive


@dataclass(frozen=True)
class Reextracted:
    id: str
    status: str  # "new version", "unchanged", "no raw page", "failed"
    version: int | None = None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "status": self.status, "version": self.version, "error": self.error}


def reextract(ar: "Archive", ids: list[str], cfg: FetchConfig) -> list[Reextracted]:
    from mirror.extract import decode_html
    from mirror.pipeline import build_version

    out = []
    for aid in ids:
        art = ar.get(aid)
        raw = ar.raw_page(art)
        if raw is None:
            out.append(Reextracted(art.id, "no raw page"))
            continue
        stored = {a.source_url: a.sha256 for a in art.assets if a.source_url}

        def load(url: str, limit: int) -> bytes | None:
            sha = stored.get(url)
            return ar.read_blob(sha) if sha else None

        try:
            new = build_version(decode_html(raw, None), art.url, load, cfg, raw=raw)
        except MirrorError as e:
            out.append(Reextracted(art.id, "failed", error=str(e)))
            continue
        res = ar.save(replace(new, captured=art.captured))
        out.append(Reextracted(art.id, "new version" if res.created else "unchanged", res.version))
    return out
