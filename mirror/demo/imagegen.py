"""Draw the demo's sample pictures as small PNG files, with only zlib.

The images under `pages/media/` are committed; this module is how they were
made (`python -m mirror.demo.imagegen` rewrites them, byte for byte the same).
They are simple drawn scenes so that a reader can tell in a browser that the
right picture landed in the right place, and small (a few KB) so the package
stays light.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

RGB = tuple[int, int, int]
MEDIA = Path(__file__).parent / "pages" / "media"


def png(width: int, height: int, pixel: Callable[[int, int], RGB]) -> bytes:
    """Encode an RGB image (8 bits per channel, no interlace) as PNG."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    t = min(1.0, max(0.0, t))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def quant(c: RGB, step: int = 8) -> RGB:
    """Round colours to a coarse grid: flat bands compress to a few KB."""
    return (c[0] // step * step, c[1] // step * step, c[2] // step * step)


# -- scenes ---------------------------------------------------------------------


def ferry(x: int, y: int, w: int = 320, h: int = 180) -> RGB:
    """A ferry on a lake at dusk."""
    horizon = 104
    if (x - 236) ** 2 + (y - 70) ** 2 < 18 ** 2:
        return (250, 214, 120)
    hull = 150 <= x <= 230 and 96 <= y <= 108 and (x - 150) > (y - 96) * 0.8
    cabin = 168 <= x <= 206 and 82 <= y < 96
    if hull:
        return (60, 40, 48)
    if cabin:
        return (232, 226, 214) if (x // 6) % 2 or y > 90 else (70, 90, 120)
    if y < horizon:
        return quant(mix((68, 86, 150), (238, 160, 120), y / horizon))
    wave = math.sin(x / 9 + y * 1.3) > 0.7
    c = mix((40, 70, 110), (20, 40, 70), (y - horizon) / (h - horizon))
    return quant(mix(c, (240, 180, 130), 0.35) if wave and abs(x - 236) < 30 else c)


def bar_chart(values: list[int], colour: RGB) -> Callable[[int, int], RGB]:
    """A plain bar chart on white, like the graphics newsrooms make in a hurry."""
    w, h, base, left = 320, 180, 160, 20
    span = (w - left - 10) // len(values)

    def pixel(x: int, y: int) -> RGB:
        if y == base and x >= left or x == left and 15 <= y <= base:
            return (40, 40, 40)
        if y < base and y % 30 == 10 and x > left and x % 4 < 2:
            return (200, 200, 200)
        i = (x - left - 4) // span
        if 0 <= i < len(values) and (x - left - 4) % span < span - 8:
            if base - values[i] <= y < base:
                return colour if i != len(values) - 1 else mix(colour, (230, 90, 60), 0.8)
        return (252, 252, 250)

    return pixel


def river(x: int, y: int) -> RGB:
    """A northern river between forested hills, with a mill chimney."""
    ridge = 70 + 14 * math.sin(x / 37) + 6 * math.sin(x / 11)
    if 250 <= x <= 262 and 30 <= y < ridge + 10:
        return (90, 80, 80)
    if y < ridge:
        smoke = (x - 256 - (40 - y) * 0.9) ** 2 / 90 + (y - 18) ** 2 / 140 < 1 and y < 40
        return (200, 200, 196) if smoke else quant(mix((150, 180, 210), (210, 220, 230), y / ridge))
    bank = 120 + 18 * math.sin(x / 50)
    if y < bank:
        return quant(mix((40, 80, 50), (30, 60, 40), (y - ridge) / 60), 12)
    centre = 140 + 30 * math.sin((y - bank) / 25 + x / 80)
    if abs(x - centre) < 26 + (y - bank) * 0.9:
        return quant(mix((110, 100, 70), (80, 90, 100), (y - bank) / 60))
    return quant((60, 90, 50), 12)


def oasis(x: int, y: int) -> RGB:
    """Irrigated fields seen from above: plots, channels and a well."""
    if (x - 160) ** 2 + (y - 90) ** 2 < 14 ** 2:
        return (70, 110, 160)
    if x % 64 < 3 or y % 45 < 3:
        return (90, 140, 190)
    plot = (x // 64) * 7 + (y // 45) * 3
    greens = [(120, 160, 70), (150, 180, 90), (200, 180, 120), (100, 140, 60), (180, 170, 110)]
    c = greens[plot % len(greens)]
    return c if (x + y) % 7 else mix(c, (60, 90, 40), 0.3)


def bakery(x: int, y: int) -> RGB:
    """Loaves on wooden shelves."""
    shelf = y % 60
    if shelf >= 52:
        return (110, 70, 40)
    cx = (x // 54) * 54 + 27
    cy = (y // 60) * 60 + 32
    if ((x - cx) / 22) ** 2 + ((y - cy) / 14) ** 2 < 1:
        score = abs((x - cx) - (y - cy) * 1.5) % 9 < 1.5
        return (170, 110, 50) if score else quant(mix((220, 160, 80), (180, 110, 50), (y - cy + 14) / 28))
    return quant(mix((240, 228, 205), (215, 200, 175), shelf / 52))


def meeting(x: int, y: int) -> RGB:
    """Rows of chairs in a hall, seen from the back."""
    if y < 60:
        return quant(mix((230, 225, 210), (200, 190, 170), y / 60))
    if 60 <= y < 66:
        return (140, 100, 70)
    row = (y - 66) // 28
    within = (y - 66) % 28
    head = ((x + row * 13) % 40 - 20) ** 2 + (within - 9) ** 2 < 64 and row % 2 == 0
    if head:
        return (60, 45, 40)
    if within > 18:
        return (100, 60, 60)
    return (180, 170, 160)


def logo(colour: RGB) -> Callable[[int, int], RGB]:
    """A masthead mark: coloured block with three white strokes."""

    def pixel(x: int, y: int) -> RGB:
        if 8 <= y <= 32 and 8 <= x <= 32:
            return colour
        if 12 <= y <= 28 and x > 40 and (y - 12) % 7 < 3 and x < 150 - (y - 12) * 3:
            return mix(colour, (30, 30, 30), 0.5)
        return (255, 255, 255)

    return pixel


def advert(x: int, y: int) -> RGB:
    """A loud banner advert."""
    if (x // 20 + y // 20) % 2:
        return (255, 200, 0)
    return (230, 40, 90)


@dataclass(frozen=True)
class Picture:
    name: str
    width: int
    height: int
    draw: Callable[[int, int], RGB]


PICTURES = [
    Picture("courier-ferry.png", 320, 180, ferry),
    Picture("courier-fares-chart.png", 320, 180, bar_chart([40, 52, 61, 77, 96, 138], (40, 90, 150))),
    Picture("courier-hall.png", 240, 150, meeting),
    Picture("courier-logo.png", 160, 40, logo((30, 70, 130))),
    Picture("vestnik-river.png", 320, 180, river),
    Picture("vestnik-samples-chart.png", 320, 180, bar_chart([22, 25, 31, 64, 118, 131], (70, 120, 80))),
    Picture("vestnik-logo.png", 160, 40, logo((150, 30, 40))),
    Picture("waha-fields.png", 320, 180, oasis),
    Picture("waha-yield-chart.png", 320, 180, bar_chart([60, 64, 71, 90, 112], (160, 120, 40))),
    Picture("waha-logo.png", 160, 40, logo((20, 120, 100))),
    Picture("talbote-bakery.png", 320, 180, bakery),
    Picture("talbote-shares-chart.png", 320, 180, bar_chart([12, 35, 70, 101, 126, 140], (120, 70, 30))),
    Picture("talbote-logo.png", 160, 40, logo((90, 60, 30))),
    Picture("ad-banner.png", 300, 100, advert),
]


def render(p: Picture) -> bytes:
    return png(p.width, p.height, p.draw)


def main(out: Path = MEDIA) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for p in PICTURES:
        data = render(p)
        (out / p.name).write_bytes(data)
        print(f"{p.name}: {p.width}x{p.height}, {len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
