"""The metadata record filled by the JSON-LD, meta-tag and page readers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WS = re.compile(r"\s+")


def clean_ws(s: str | None) -> str:
    return _WS.sub(" ", s or "").strip()


@dataclass
class Metadata:
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    modified: str | None = None
    lang: str | None = None
    site_name: str | None = None
    lead_image: str | None = None
    description: str | None = None
    canonical: str | None = None
    article_body: str | None = None  # JSON-LD articleBody, a hint for body detection
    h1: str | None = None
    authors: list[str] = field(default_factory=list)
