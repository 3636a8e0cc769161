"""Where the key to an encrypted archive comes from, in one order for every
command: `--unlock FILE` (or `$MIRROR_UNLOCK`, also a file name), then an
unlocked session (`mirror unlock`), then a hidden prompt on a terminal
(the CLI supplies it), else `Locked`. Never from argv.

FILE holds age identities (`AGE-SECRET-KEY-...` lines, as age-keygen writes
them) or else a passphrase on its first line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mirror.errors import Locked, UsageError
from mirror.fsutil import read_text

ENV = "MIRROR_UNLOCK"


@dataclass(frozen=True, repr=False)
class Secret:
    """What one unlock file holds: identities, or a passphrase."""

    identities: str = ""
    passphrase: str | None = None

    def __repr__(self) -> str:
        return "Secret(...)"


def read_secret(path: str) -> Secret:
    if path.strip().upper().startswith("AGE-SECRET-KEY-"):  # never echo it back
        raise UsageError("--unlock and $MIRROR_UNLOCK take a FILE, never a key: keys on the command line"
                         " end up in shell history and process lists")
    text = read_text(path, "unlock file")
    if "AGE-SECRET-KEY-" in text.upper():
        return Secret(identities=text)
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first:
        raise UsageError(f"unlock file {path} is empty (it holds an age identity or a passphrase)")
    return Secret(passphrase=first)


def open_slots(keys_dir: Path, secret: Secret, max_work_factor: int) -> bytes:
    from mirror.store import slots  # age and cryptography: encrypted archives only

    return slots.unwrap(keys_dir, identities=secret.identities,
                        passphrases=[secret.passphrase] if secret.passphrase is not None else [],
                        max_work_factor=max_work_factor)


@dataclass(frozen=True)
class Unlock:
    """How to get the master key of an encrypted archive."""

    file: str | None = None  # --unlock FILE; None: $MIRROR_UNLOCK
    prompt: Callable[[str], str] | None = None  # a hidden terminal prompt, if there is a terminal
    session: bool = True  # ask a running `mirror unlock` session
    max_work_factor: int = 22

    def source_file(self) -> str | None:
        return self.file or os.environ.get(ENV) or None

    def master_key(self, root: Path, keys_dir: Path) -> tuple[bytes, str]:
        """(master key, where it came from: "file", "session" or "prompt")."""
        file = self.source_file()
        if file:
            return open_slots(keys_dir, read_secret(file), self.max_work_factor), "file"
        if self.session:
            from mirror.store import agent  # sockets and a subprocess: only when asked

            key = agent.fetch(root)
            if key is not None:
                return key, "session"
        if self.prompt is not None:
            passphrase = self.prompt(f"Passphrase for the archive {root}")
            return open_slots(keys_dir, Secret(passphrase=passphrase), self.max_work_factor), "prompt"
        raise Locked(f"the archive {root} is encrypted and locked: give --unlock FILE, set {ENV}=FILE,"
                     " or run `mirror unlock` first")
