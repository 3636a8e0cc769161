"""What the group's options set, shared by every subcommand: where the archive
and config are, and whether to show tracebacks. Config and archive are opened
lazily, so `--help` and commands that need neither stay fast."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mirror.archive import Archive
    from mirror.config import Config


class State:
    def __init__(self) -> None:
        self.archive: str | None = None
        self.config: str | None = None
        self.debug = False
        self._cfg: Config | None = None

    def cfg(self) -> "Config":
        if self._cfg is None:
            from mirror import config

            self._cfg = config.load(self.config, self.archive)
        return self._cfg

    def open_archive(self) -> "Archive":
        from mirror.archive import Archive

        return Archive.open(self.cfg().archive)
