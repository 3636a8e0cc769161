"""The pipeline core without a network: image caps, pixels found only after
download, the lead image, and what a NewVersion carries."""

from __future__ import annotations

import re

from mirror.config import FetchConfig
from mirror.imagerule import ImageChoice
from mirror.pipeline import build_version, collect_assets
from sitekit import PIXEL_GIF, article, png

BASE = "https://news.example/story"


def one_each(urls) -> list[ImageChoice]:
    """Images with one candidate URL each."""
    return [ImageChoice((u,)) for u in urls]


class Loader:
    """A fake image source that records what was asked, with which limit."""

    def __init__(self, images: dict[str, bytes]):
        self.images = images
        self.calls: list[tuple[str, int]] = []

    def __call__(self, url: str, limit: int) -> bytes | None:
        self.calls.append((url, limit))
        data = self.images.get(url)
        return data if data is not None and len(data) <= limit else None


def test_image_count_cap():
    imgs = {f"https://i.example/{i}.png": png(10 + i, 10) for i in range(6)}
    load = Loader(imgs)
    names, assets, _ = collect_assets(one_each(imgs), load, FetchConfig(max_images=3))
    assert len(assets) == 3 and len(load.calls) == 3
    assert list(names) == list(imgs)[:3]


def test_per_image_and_total_byte_caps():
    small, big = png(20, 20), png(40, 40, (1, 2, 3)) + bytes(range(256)) * 8  # trailing bytes still a PNG
    assert len(big) > 1500 > len(small)
    imgs = {"https://i.example/big.png": big, "https://i.example/a.png": small,
            "https://i.example/b.png": png(21, 20), "https://i.example/c.png": png(22, 20)}
    load = Loader(imgs)
    cfg = FetchConfig(max_image_bytes=1500, max_images_bytes=176, image_jobs=1)  # (one at a time: the order of limits is known)
    names, assets, _ = collect_assets(one_each(imgs), load, cfg)
    assert "https://i.example/big.png" not in names  # over the per-image cap
    assert load.calls[0] == ("https://i.example/big.png", min(1500, cfg.max_images_bytes))
    assert len(assets) == 2 and sum(a.size for a, _ in assets) <= cfg.max_images_bytes
    # The loader is never allowed more than what is left of the budget.
    assert [limit for _, limit in load.calls][1:] == [176, 176 - len(small), 176 - len(small) - len(png(21, 20))]
    assert "https://i.example/c.png" not in names
    # With a large budget, the per-image cap alone decides.
    load = Loader(imgs)
    names, _, _ = collect_assets(one_each(imgs), load, FetchConfig(max_image_bytes=1500))
    assert load.calls[0] == ("https://i.example/big.png", 1500) and len(names) == 3


def test_duplicate_content_is_one_asset():
    same = png(30, 30)
    names, assets, _ = collect_assets(one_each(["https://a.example/1.png", "https://b.example/2.png"]),
                                   Loader({"https://a.example/1.png": same, "https://b.example/2.png": same}),
                                   FetchConfig())
    assert len(assets) == 1 and len(set(names.values())) == 1


def test_build_version_drops_pixels_found_after_download_and_keeps_the_lead():
    extra = ('<figure><img src="/img/photo.png" alt="photo"><figcaption>A photo</figcaption></figure>'
             '<img src="/img/p7.gif" alt=""><img src="/img/not-an-image.png" alt="x">')
    html = article("Pipeline core", extra=extra, head='<meta property="og:image" content="/img/lead.png">')
    load = Loader({"https://news.example/img/photo.png": png(50, 40),
                   "https://news.example/img/p7.gif": PIXEL_GIF,
                   "https://news.example/img/not-an-image.png": b"<html>nope</html>",
                   "https://news.example/img/lead.png": png(60, 40, (9, 9, 9))})
    new = build_version(html, BASE, load, FetchConfig(), raw=html.encode())
    assert new.url == BASE and new.title == "Pipeline core" and new.byline == "Jane Roe"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", new.captured)
    assert {u for u, _ in load.calls} == set(load.images)
    assert len(new.assets) == 2
    photo = [a for a, _ in new.assets if a.source_url.endswith("/photo.png")][0]
    assert re.findall(r'src="([^"]+)"', new.html) == [f"assets/{photo.name}"]
    lead = [a for a, _ in new.assets if a.source_url.endswith("lead.png")][0]
    assert new.lead_image == f"assets/{lead.name}"
    assert "p7" not in new.html and "not-an-image" not in new.html
    assert "A photo" in new.html and "Paragraph 4." in new.text and new.raw == html.encode()
