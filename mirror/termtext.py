"""Text from outside (titles, URLs, article text from a page or someone
else's bundle) made safe to print to a terminal.

An escape sequence in a title is not text: it can retitle the window, hide or
rewrite lines (a forged "signed" line under `mirror inspect`), or turn words
into a hyperlink to a tracker (OSC 8). C0 and C1 control characters are shown
as U+FFFD instead; `line` also folds line breaks, so one field is one line.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_AND_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def block(text: str | None) -> str:
    """Multi-line text: newlines and tabs stay, other controls do not."""
    return _CONTROLS.sub("\ufffd", text or "")


def line(text: str | None) -> str:
    """One field on one line: every control character and line break replaced."""
    return _CONTROLS_AND_BREAKS.sub("\ufffd", text or "")
