"""Creating an archive from the command line: the first key slots from
--passphrase-file / -r / -R, else a passphrase asked on the terminal.
`init` and the offer made by the first command that finds no archive both
come here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mirror.cli.prompts import ask_passphrase, on_terminal
from mirror.errors import UsageError

if TYPE_CHECKING:
    from mirror.config import Config
    from mirror.store import Archive, NewKeys


def new_keys(cfg: Config, passphrase_file: str | None, recipients: tuple[str, ...],
              recipients_files: tuple[str, ...], *, ask: bool) -> NewKeys:
    """The slots to write, from --passphrase-file / -r / -R, else a prompt."""
    from mirror.crypto import age
    from mirror.fsutil import read_passphrase_file, read_text
    from mirror.store import NewKeys

    texts = list(recipients) + [read_text(f, "recipients file") for f in recipients_files]
    parsed = tuple(r for t in texts for r in age.parse_recipients(t))
    passphrase = read_passphrase_file(passphrase_file) if passphrase_file else None
    if passphrase is None and not parsed:
        if not ask or not on_terminal():
            raise UsageError("no key given: use --passphrase-file F or -r RECIPIENT (or run on a terminal"
                             " to type a passphrase)")
        passphrase = ask_passphrase()
    return NewKeys(passphrase=passphrase, recipients=parsed,
                   work_factor=cfg.crypto.archive_work_factor)


def create_archive(cfg: Config, *, plaintext: bool, passphrase_file: str | None,
                   recipients: tuple[str, ...], recipients_files: tuple[str, ...]) -> Archive:
    from mirror.store import Archive

    root = cfg.archive
    if plaintext:
        if passphrase_file or recipients or recipients_files:
            raise UsageError("--plaintext takes no keys")
        ar = Archive.create(root, None)
        click.echo(f"created a PLAINTEXT archive at {root}: anyone who can read this disk can read it", err=True)
        return ar
    ar = Archive.create(root, new_keys(cfg, passphrase_file, recipients, recipients_files, ask=True))
    from mirror.store import slots

    kinds = ", ".join(s.kind for s in slots.list_slots(ar.keys_dir))
    click.echo(f"created an encrypted archive at {root} (key slots: {kinds})", err=True)
    return ar
