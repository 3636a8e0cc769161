"""Text from outside (titles, URLs, article text from a page or someone
else's bundle) made safe to print to a terminal.

An escape sequence in a title is not text: it can retitle the window, hide or
rewrite lines (a forged "signed" line under `mirror inspect`), or turn words
into a hyperlink to a tracker (OSC 8). C0 and C1 control characters are shown
as U+FFFD instead; `line` also folds line breaks, so one field is one line.

Bidirectional controls (U+202A-E, U+2066-9, U+200E/F, U+061C) reorder what
follows them on the line, so a title can make the signature status or a URL
read backwards; zero-width characters (U+200B-D, U+2060, U+FEFF, U+180E) hide
differences between two titles. Both are shown escaped, as `<U+202E>`: the
user sees that they are there, and nothing is reordered or hidden.
"""

from __future__ import annotations

import re

_INVISIBLE = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u180e"
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_AND_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")


def _escape(m: re.Match[str]) -> str:
    return f"<U+{ord(m.group()):04X}>"


def block(text: str | None) -> str:
    """Multi-line text: newlines and tabs stay, other controls do not."""
    return _INVISIBLE_RE.sub(_escape, _CONTROLS.sub("\ufffd", text or ""))


def line(text: str | None) -> str:
    """One field on one line: every control character and line break replaced."""
    return _INVISIBLE_RE.sub(_escape, _CONTROLS_AND_BREAKS.sub("\ufffd", text or ""))
