"""JSON from outside, parsed with a bound on nesting.

`json.loads` recurses once per `[` or `{`: 100,000 of them end in a
RecursionError (a traceback, not a refusal). `nesting` measures the depth in
one linear pass first (strings are skipped by the regex engine, so only the
brackets themselves cost a Python step), and `loads` refuses anything deeper
than `max_depth` with a ValueError saying so, before the parser sees it.
"""

from __future__ import annotations

import json
import re
from typing import Any

JSON = Any  # a parsed or to-be-serialised JSON value: arbitrary by nature

MAX_DEPTH = 64  # our own documents nest 4 deep; JSON-LD seen in the wild, under 20
# A string (unrolled: runs of plain characters in one step, not one per
# character), or a bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.S)


class TooDeep(ValueError):
    """The document nests arrays/objects deeper than allowed."""


def nesting(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects in `text` (0 for a scalar)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = deepest = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def _openings(text: str | bytes) -> int:
    """How many `[` and `{` there are, in strings or not: no document nests
    deeper, so most need no tokenising (a C-speed count, not a regex walk)."""
    if isinstance(text, bytes):
        return text.count(b"[") + text.count(b"{")
    return text.count("[") + text.count("{")


def loads(text: str | bytes, max_depth: int = MAX_DEPTH, **kw: Any) -> Any:
    """`json.loads`, refusing (TooDeep, a ValueError) documents nested deeper
    than `max_depth`; other malformed JSON raises ValueError as usual."""
    if _openings(text) > max_depth and nesting(text) > max_depth:
        raise TooDeep(f"nested too deeply (more than {max_depth} levels)")
    try:
        return json.loads(text, **kw)
    except RecursionError:  # cannot happen below the bound; kept as a backstop
        raise TooDeep(f"nested too deeply (more than {max_depth} levels)") from None
