"""What the group's options set, shared by every subcommand: where the archive
and config are, how to unlock it, and whether to show tracebacks. Config and
archive are opened lazily, so `--help` and commands that need neither stay fast."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mirror.cli.prompts import hidden_prompt, on_terminal
from mirror.errors import ArchiveError

if TYPE_CHECKING:
    from mirror.config import Config
    from mirror.store import Archive, Unlock


class State:
    def __init__(self) -> None:
        self.archive: str | None = None
        self.config: str | None = None
        self.unlock_file: str | None = None
        self.debug = False
        self._cfg: Config | None = None

    def cfg(self) -> "Config":
        if self._cfg is None:
            from mirror import config

            self._cfg = config.load(self.config, self.archive)
        return self._cfg

    def unlock(self, session: bool = True) -> "Unlock":
        """The key sources, in their one order (`mirror.store.unlock`); the
        prompt only where there is a terminal."""
        from mirror.store import Unlock

        return Unlock(file=self.unlock_file, prompt=hidden_prompt if on_terminal() else None,
                      session=session, max_work_factor=self.cfg().crypto.scrypt_max_work_factor)

    def open_archive(self) -> "Archive":
        """The configured archive, unlocked. Where there is none, offer to
        create an encrypted one on a terminal; elsewhere say how to."""
        from mirror.store import Archive, kind

        root = self.cfg().archive
        if kind(root) == "none" and on_terminal() and not (root.is_dir() and any(root.iterdir())):
            if click.confirm(f"There is no archive at {root}. Create an encrypted one now?",
                             default=True, err=True):
                from mirror.cli.newarchive import create_archive

                return create_archive(self.cfg(), plaintext=False, passphrase_file=None, recipients=(),
                                      recipients_files=())
            raise ArchiveError(f"no archive at {root}: create one with `mirror init`")
        return Archive.open(root, self.unlock())
