"""File-system helpers shared by the archive and the bundle writers."""

from __future__ import annotations

import secrets
import string


def neutral_name() -> str:
    """A temp name that says nothing about who made it: a dot and 12 random
    letters (`.mirror-pack-XXXX.tmp` on a courier's stick named the tool)."""
    return "." + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
