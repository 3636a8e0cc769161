"""A one-line progress bar on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TextIO


class Bar:
    def __init__(self, stream: TextIO | None = None, width: int = 28, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.width = width
        self.active = enabled and self.stream.isatty()
        self._last = ""

    def __call__(self, done: int, total: int, outcome) -> None:
        if not self.active:
            return
        filled = self.width * done // max(total, 1)
        status = "ok " if outcome.ok else "ERR"
        url = "".join(c for c in outcome.url if c.isprintable())
        label = url if len(url) <= 50 else url[:49] + "…"
        self._last = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {status} {label}"
        self.redraw()

    def clear(self) -> None:
        """Wipe the bar's line, so that a result line can be printed."""
        if self.active and self._last:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def redraw(self) -> None:
        if self.active and self._last:
            self.stream.write("\r\x1b[K" + self._last)
            self.stream.flush()

    def close(self) -> None:
        self.clear()
        self._last = ""
