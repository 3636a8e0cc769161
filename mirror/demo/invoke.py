"""How the demo runs `mirror` commands: through a Runner its caller hands in
(the CLI passes itself, run in-process), so the demo shows and exercises
exactly what users type without importing the CLI (which imports the demo).
"""

from __future__ import annotations

import re
from typing import Callable

# Runs `mirror ARGS`; returns (stdout, stderr). A failed command raises its
# MirrorError kind; a usage error raises UsageError with the parser's message.
Runner = Callable[[list[str]], tuple[str, str]]


def shown(args: list[str]) -> str:
    """The command line to print, quoted where a shell would need it."""
    return "$ mirror " + " ".join(a if re.fullmatch(r"[\w@%+=:,./-]+", a) else repr(a) for a in args)
