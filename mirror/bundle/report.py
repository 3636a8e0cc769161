"""What `inspect` and `unpack` report: a row per article of the bundle.

The rows are kept out of memory, so a bundle of 100,000 articles costs no
more to report on than one of 1,000: each row is a JSON line in an unnamed
temp file sealed under a key only this process holds (titles are sensitive;
nothing is left after a crash), its status a byte beside it, so the import
can correct a status once it knows what its transaction stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import BinaryIO, Iterator

from mirror.jsonsafe import JSON
from mirror.store.sealing import sealed_tempfile

STATUSES = ("new", "new version", "present")  # unpack: what happened to the article


@dataclass(slots=True)
class ArticleReport:
    id: str
    url: str
    title: str | None
    published: str | None
    captured: str
    bytes: int
    assets: int
    status: str  # one of STATUSES

    def to_json(self) -> dict[str, JSON]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_FLUSH = 1 << 16


class Rows:
    """The report's rows in the order added, read back as `ArticleReport`s
    any number of times (`__iter__`)."""

    def __init__(self, tmp_dir: str | Path | None = None) -> None:
        self._tmp_dir = tmp_dir
        self._file: BinaryIO | None = None  # made at the first row
        self._pending = bytearray()
        self._status = bytearray()

    def add(self, row: ArticleReport) -> int:
        """Keep `row`; returns its index (for `set_status`)."""
        values = [row.id, row.url, row.title, row.published, row.captured, row.bytes, row.assets]
        self._pending += json.dumps(values, ensure_ascii=False).encode() + b"\n"
        self._status.append(STATUSES.index(row.status))
        if len(self._pending) >= _FLUSH:
            self._flush()
        return len(self._status) - 1

    def status(self, i: int) -> str:
        return STATUSES[self._status[i]]

    def set_status(self, i: int, status: str) -> None:
        self._status[i] = STATUSES.index(status)

    def _flush(self) -> None:
        if self._file is None:
            self._file = sealed_tempfile(self._tmp_dir)
        assert self._file is not None
        self._file.seek(0, 2)
        self._file.write(self._pending)
        self._pending.clear()

    def __len__(self) -> int:
        return len(self._status)

    def __iter__(self) -> Iterator[ArticleReport]:
        if self._pending:
            self._flush()
        if self._file is None:
            return
        self._file.seek(0)
        reader = _lines(self._file)
        for i, text in enumerate(reader):
            aid, url, title, published, captured, size, assets = json.loads(text)
            yield ArticleReport(aid, url, title, published, captured, size, assets, STATUSES[self._status[i]])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _lines(f: BinaryIO) -> Iterator[bytes]:
    rest = b""
    while block := f.read(_FLUSH):
        *whole, rest = (rest + block).split(b"\n")
        yield from whole
    if rest:
        yield rest


@dataclass
class Report:
    signature: str
    signer: str | None
    trusted: bool
    payload_bytes: int
    articles: Rows = field(default_factory=Rows)
    imported: int = 0  # captures (versions) stored
    skipped: int = 0  # articles the archive already had entirely
    page_code: str | None = None  # HTML bundles: "ours" or "altered"
    warnings: list[str] = field(default_factory=list)

    def head_json(self) -> dict[str, JSON]:
        """Everything but the rows (`to_json` without "articles")."""
        return {"signature": self.signature, "signer": self.signer, "trusted": self.trusted,
                "payload_bytes": self.payload_bytes, "imported": self.imported,
                "skipped": self.skipped, "page_code": self.page_code, "warnings": list(self.warnings)}

    def to_json(self) -> dict[str, JSON]:
        return {**self.head_json(), "articles": [a.to_json() for a in self.articles]}

    def close(self) -> None:
        self.articles.close()

    def __enter__(self) -> "Report":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
