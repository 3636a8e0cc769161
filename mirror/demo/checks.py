"""What the demo verifies after archiving and exporting. Each check returns
a list of problems (empty: fine), so tests can show that a check can fail."""

from __future__ import annotations

import re
from pathlib import Path

from mirror.demo.samples import FOREIGN_HOSTS, SAMPLES


ON_EVENT = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
TRACKING_PARAM = re.compile(r"[?&;](utm_[a-z]+|fbclid|gclid|yclid|mc_cid|mc_eid)=", re.I)


def check_archive(archive_dir: Path, ids: dict[str, str]) -> list[str]:
    """Problems with what was stored: wrong metadata, missing images, page
    scripts or event handlers, tracking parameters in links, references to
    third-party hosts, page boilerplate in the article."""
    from mirror.store import Archive

    problems = []
    with Archive.open(archive_dir) as ar:
        for s in SAMPLES:
            art = ar.get(ids[s.path])
            if art.title != s.title:
                problems.append(f"{s.path}: title is {art.title!r}")
            if (art.lang or "").split("-")[0].lower() != s.lang:
                problems.append(f"{s.path}: language is {art.lang!r}, not {s.lang}")
            if len(art.assets) < len(s.images):
                problems.append(f"{s.path}: {len(art.assets)} images stored, {len(s.images)} expected")
            html = art.html.lower()
            if "<script" in html or "javascript:" in html or ON_EVENT.search(html):
                problems.append(f"{s.path}: stored HTML contains script")
            if m := TRACKING_PARAM.search(html):
                problems.append(f"{s.path}: stored link keeps tracking parameter {m.group(1)}")
            for host in FOREIGN_HOSTS:
                if host in html:
                    problems.append(f"{s.path}: stored HTML still mentions {host}")
            for phrase in s.boilerplate:
                if phrase.lower() in (art.text + art.html).lower():
                    problems.append(f"{s.path}: page boilerplate kept: {phrase!r}")
    return problems


REMOTE = re.compile(r"""(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def check_site(site: Path) -> list[str]:
    """Static check of every exported page: a network-blocking CSP and no
    script tag of anyone's, no remote reference in a fetching attribute.
    (The test suite also opens them in Chromium and counts requests.)"""
    problems = []
    pages = sorted(site.rglob("*.html"))
    if not pages:
        return [f"{site}: no HTML pages were written"]
    for page in pages:
        text = page.read_text("utf-8", errors="replace")
        rel = page.relative_to(site)
        if "default-src 'none'" not in text:
            problems.append(f"{rel}: no network-blocking Content-Security-Policy")
        for m in re.finditer(r"<(img|link|script|iframe|source|video|audio)\b[^>]*>", text, re.I):
            if REMOTE.search(m.group(0)):
                problems.append(f"{rel}: remote reference {m.group(0)[:80]}")
    return problems
