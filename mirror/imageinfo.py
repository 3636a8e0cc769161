"""What an image file really is, from its magic bytes, and how big it is.

The declared Content-Type is not trusted: an "image" may be HTML or SVG (which
can carry script). Only raster formats a browser shows in `<img>` pass, and
tracking pixels are recognised from the dimensions in the header.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageKind:
    mime: str
    ext: str


JPEG = ImageKind("image/jpeg", "jpg")
PNG = ImageKind("image/png", "png")
GIF = ImageKind("image/gif", "gif")
WEBP = ImageKind("image/webp", "webp")
AVIF = ImageKind("image/avif", "avif")
ALLOWED_MIMES = frozenset(k.mime for k in (JPEG, PNG, GIF, WEBP, AVIF))


def sniff(data: bytes) -> ImageKind | None:
    """The raster type of `data`, or None (SVG, HTML, unknown are all None)."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[4:8] == b"ftyp" and len(data) >= 16:
        size = struct.unpack(">I", data[:4])[0]
        box = data[8:min(size, 64)] if size >= 16 else b""
        brands = [box[i:i + 4] for i in range(0, len(box) - 3, 4) if i != 4]
        if b"avif" in brands or b"avis" in brands:
            return AVIF
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    n = len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        if length < 2:
            return None
        i += 2 + length
    return None


def dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from the header when that is cheap, else None."""
    kind = sniff(data)
    try:
        if kind is PNG and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if kind is GIF:
            return struct.unpack("<HH", data[6:10])
        if kind is JPEG:
            return _jpeg_size(data)
        if kind is WEBP:
            chunk = data[12:16]
            if chunk == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
            if chunk == b"VP8L":
                b = data[21:25]
                w = 1 + (((b[1] & 0x3F) << 8) | b[0])
                h = 1 + (((b[3] & 0x0F) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
                return w, h
            if chunk == b"VP8X":
                w = 1 + int.from_bytes(data[24:27], "little")
                h = 1 + int.from_bytes(data[27:30], "little")
                return w, h
    except (struct.error, IndexError):
        return None
    return None


def is_pixel(data: bytes) -> bool:
    """A tracking pixel or spacer: one side of at most 1 pixel."""
    dims = dimensions(data)
    return dims is not None and min(dims) <= 1


# A 40,000 x 40,000 PNG is a few KiB of file and 6.4 GB of pixels once a
# browser decodes it: a bomb for whoever opens the page.
MAX_SIDE = 20_000
MAX_PIXELS = 100_000_000


def too_large(data: bytes) -> bool:
    """The header declares more than MAX_SIDE per side or MAX_PIXELS in all."""
    dims = dimensions(data)
    return dims is not None and (max(dims) > MAX_SIDE or dims[0] * dims[1] > MAX_PIXELS)
