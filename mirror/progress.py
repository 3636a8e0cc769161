"""A one-line progress bar on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TextIO


class Bar:
    def __init__(self, stream: TextIO | None = None, width: int = 28):
        self.stream = stream or sys.stderr
        self.width = width
        self.active = self.stream.isatty()

    def __call__(self, done: int, total: int, outcome) -> None:
        if not self.active:
            return
        filled = self.width * done // max(total, 1)
        status = "ok " if outcome.ok else "ERR"
        url = "".join(c for c in outcome.url if c.isprintable())
        label = url if len(url) <= 50 else url[:49] + "…"
        self.stream.write(f"\r\x1b[K[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {status} {label}")
        self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
