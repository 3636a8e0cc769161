"""Open a page in headless Debian Chromium and record everything it tried to do.

Used by every offline-safety test: a page we write must make zero network
requests (seen at the page and at the context level), open no dialog and run
no script of the page's own.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dns-prefetch" ]


@dataclass
class PageReport:
    requests: list[str] = field(default_factory=list)  # every URL except the page itself
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    title: str = ""
    images_loaded: int = 0  # <img> elements with naturalWidth > 0
    images_total: int = 0
    text: str = ""


def open_page(target: str | Path, *, javascript: bool = True, wait_ms: int = 500) -> PageReport:
    """Load `target` (a path or URL). JavaScript stays on so that any page script
    that slipped through would run and be caught (it sets a marker or dialogs)."""
    from playwright.sync_api import sync_playwright

    url = Path(target).resolve().as_uri() if not str(target).startswith(("http:", "https:", "file:")) else str(target)
    rep = PageReport()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            ctx = browser.new_context(java_script_enabled=javascript)
            ctx.on("request", lambda r: r.url != url and rep.requests.append(r.url))
            page = ctx.new_page()
            page.on("dialog", lambda d: (rep.dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: rep.console.append(m.text))
            page.on("popup", lambda pg: rep.requests.append("popup:" + pg.url))
            page.goto(url, wait_until="load")
            page.wait_for_timeout(wait_ms)
            rep.title = page.title()
            rep.images_total = page.evaluate("document.images.length")
            rep.images_loaded = page.evaluate(
                "Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length")
            rep.text = page.evaluate("document.body ? document.body.innerText : ''")
            marker = page.evaluate("window.__pwned === undefined ? null : String(window.__pwned)")
            if marker is not None:
                rep.console.append("PAGE SCRIPT RAN: " + marker)
            ctx.close()
        finally:
            browser.close()
    return rep
