"""A one-line progress bar on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from mirror.pipeline import Outcome


class Bar:
    def __init__(self, stream: TextIO | None = None, width: int = 28, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.width = width
        self.active = enabled and self.stream.isatty()
        self._last = ""

    def __call__(self, done: int, total: int, outcome: Outcome) -> None:
        """A batch of fetches: the outcome's status and URL."""
        self.step(done, total, ("ok  " if outcome.ok else "ERR ") + outcome.url)

    def step(self, done: int, total: int, label: str = "") -> None:
        """`done` of `total` items (articles packed, unpacked...), and what the last one was."""
        if not self.active:
            return
        filled = self.width * done // max(total, 1)
        text = "".join(c for c in label if c.isprintable())
        text = text if len(text) <= 54 else text[:53] + "…"
        self._last = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {text}"
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

    def echo(self, message: str) -> None:
        """A line on the bar's stream (a warning, say), the bar redrawn below it."""
        self.clear()
        print(message, file=self.stream, flush=True)
        self.redraw()

    def close(self) -> None:
        self.clear()
        self._last = ""
