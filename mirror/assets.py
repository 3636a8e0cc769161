"""The one rule for an asset's name, shared by capture (sanitize), bundles
(layout) and sites: `<first 16 hex digits of its SHA-256>.<ext>`, the
extension one of the raster types imageinfo recognises.

Two modules once had two rules: a bundle's `photo.png` verified and imported,
then the sanitiser, which only shows `assets/<16 hex>.<ext>`, dropped it from
every page. A name made from the content also cannot be a Windows device name
(`CON.png`), a page (`read-me.html`) or a path.
"""

from __future__ import annotations

import re

EXTENSIONS = ("jpg", "png", "gif", "webp", "avif")
_NAME = r"[0-9a-f]{16}\.(?:" + "|".join(EXTENSIONS) + r")"
NAME_RE = re.compile(rf"^{_NAME}\Z")
SRC_RE = re.compile(rf"^assets/({_NAME})\Z")  # how stored HTML points at one


def name_for(sha256: str, ext: str) -> str:
    return f"{sha256[:16]}.{ext}"


def is_name_of(name: str, sha256: str) -> bool:
    """`name` follows the rule and was made from `sha256`."""
    return bool(NAME_RE.match(name)) and name[:16] == sha256[:16]
