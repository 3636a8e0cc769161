"""The metadata record filled by the JSON-LD, meta-tag and page readers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mirror.model import ArticleMeta

_WS = re.compile(r"\s+")


def clean_ws(s: str | None) -> str:
    return _WS.sub(" ", s or "").strip()


@dataclass(kw_only=True)
class Metadata(ArticleMeta):
    """The article's metadata as the page's readers find it, with what only
    extraction uses (hints for finding the body, the page's own summary)."""

    description: str | None = None
    canonical: str | None = None
    article_body: str | None = None  # JSON-LD articleBody, a hint for body detection
    h1: str | None = None
    authors: list[str] = field(default_factory=list)
