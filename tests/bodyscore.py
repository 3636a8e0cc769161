"""Body-text agreement, scored the way the article-extraction benchmark does:
word 4-gram ("shingle") multisets per page, counts scaled so every page weighs
the same, precision and recall averaged over pages, F1 from the two averages.
Standard library only, so the floor test needs nothing outside tests/."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

SIZE = 4
_WORD = re.compile(r"\w+")


def shingles(text: str) -> Counter:
    """Word 4-grams; a non-empty text shorter than that is one shingle."""
    words = _WORD.findall(text)
    if len(words) < SIZE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + SIZE]) for i in range(len(words) - SIZE + 1))


@dataclass(frozen=True)
class Page:
    precision: float | None  # None: nothing predicted (not averaged)
    recall: float | None  # None: nothing to find (not averaged)

    @property
    def f1(self) -> float:
        if self.precision is None and self.recall is None:
            return 1.0
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def page(truth: str, predicted: str) -> Page:
    want, got = shingles(truth), shingles(predicted)
    tp, fp, fn = sum((want & got).values()), sum((got - want).values()), sum((want - got).values())
    exact = fp == 0 and fn == 0
    precision = None if tp + fp == 0 else 1.0 if exact else tp / (tp + fp)
    recall = None if tp + fn == 0 else 1.0 if exact else tp / (tp + fn)
    return Page(precision, recall)


def f1(pages: list[Page]) -> float:
    ps = [p.precision for p in pages if p.precision is not None]
    rs = [p.recall for p in pages if p.recall is not None]
    mp = sum(ps) / len(ps) if ps else 0.0
    mr = sum(rs) / len(rs) if rs else 0.0
    return 2 * mp * mr / (mp + mr) if mp + mr else 0.0
