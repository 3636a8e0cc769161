"""Images inside a page, as `data:` URIs: apart from the reader (and its HTML
parser), since a page taken from the page cache needs only this."""

from __future__ import annotations

import base64

from mirror import imageinfo


def data_uri(data: bytes) -> str | None:
    """`data:` URI for an allowed raster image (type sniffed, not trusted)."""
    kind = imageinfo.sniff(data)
    if kind is None:
        return None
    return f"data:{kind.mime};base64,{base64.b64encode(data).decode('ascii')}"
