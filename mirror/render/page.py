"""The shell every page we write shares: charset, then at once the CSP that
blocks all network access, no-referrer, no DNS prefetching (which CSP does not
govern: Firefox resolves the host of every link on a file:// page as it opens,
proven in tests/test_offline_attacks), inline CSS with system fonts. Nothing
in it runs script or names a remote resource."""

from __future__ import annotations

import html
import re
import string
from functools import lru_cache
from importlib import resources

CSP = ("default-src 'none'; img-src data:; media-src data:; font-src data:; "
       "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")

# Primary language subtags written right to left.
RTL_LANGS = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "ku-arab", "pnb", "ps",
                       "sd", "syr", "ug", "ur", "yi"})
RTL_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg"})
_LANG_RE = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,4}$")


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return resources.files("mirror.render").joinpath(name).read_text(encoding="utf-8")


def clean_lang(lang: str | None) -> str | None:
    """A BCP 47-looking tag ("pt-BR"), or None for anything else."""
    if not lang or not _LANG_RE.match(lang.strip()):
        return None
    return lang.strip().replace("_", "-")


def direction(lang: str | None) -> str:
    """'rtl' for right-to-left languages or scripts, else 'ltr'."""
    tag = (clean_lang(lang) or "").lower()
    if not tag:
        return "ltr"
    parts = tag.split("-")
    if parts[0] in RTL_LANGS or any(p in RTL_SCRIPTS for p in parts[1:]):
        return "rtl"
    return "ltr"


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def page(title: str, body_html: str, lang: str | None = None) -> str:
    """A complete document around `body_html` (which must already be safe)."""
    head, tail = page_around(title, lang)
    return head + body_html + tail


def page_around(title: str, lang: str | None = None) -> tuple[str, str]:
    """The document before and after its body, for a page made in pieces."""
    code = clean_lang(lang)
    attrs = f' lang="{esc(code)}" dir="{direction(code)}"' if code else ' dir="auto"'
    head, tail = _asset("page.html").split("$body")
    fill = {"html_attrs": attrs, "csp": CSP, "title": esc(title), "css": _asset("reader.css").strip()}
    return string.Template(head).substitute(fill), string.Template(tail).substitute(fill)
