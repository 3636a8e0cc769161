"""Shared fixtures for the bundle tests: archives with small real images,
made directly through Archive.save so the tests do not depend on fetching."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path

import pytest

from mirror.store import Archive
from mirror.demo.imagegen import png
from mirror.model import Asset, NewVersion
from conftest import open_archive

# A 6x4 JPEG drawn by Chromium's canvas (toDataURL) for these tests.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3Nw"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAA"
    "AChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAA"
    "AAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAA"
    "AAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMA"
    "LgAgADIAMAAxADb/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/"
    "2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAEAAYDASIA"
    "AhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAT/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABAb/xAAYEQEA"
    "AwEAAAAAAAAAAAAAAAABAAIRIf/aAAwDAQACEQMRAD8AgAEVXWUdalTA5P/Z")


def asset(data: bytes, ext: str, mime: str, source: str = "") -> tuple[Asset, bytes]:
    sha = hashlib.sha256(data).hexdigest()
    return Asset(f"{sha[:16]}.{ext}", sha, mime, len(data), source), data


def sample_png(seed: int) -> bytes:
    return png(8, 6, lambda x, y: ((x * 30 + seed) % 256, (y * 40) % 256, (seed * 7) % 256))


def new_version(i: int, *, title: str | None = None, text: str | None = None,
                captured: str = "2026-03-04T05:06:07Z") -> NewVersion:
    pic = asset(sample_png(i), "png", "image/png", f"https://img.example.org/{i}.png")
    jpg = asset(JPEG, "jpg", "image/jpeg", "https://img.example.org/photo.jpg")
    body = text or f"Paragraph one of article {i}.\n\nParagraph two, with ünïcode and العربية."
    html = (f'<p>Paragraph one of article {i}.</p><figure><img src="assets/{pic[0].name}" alt="chart">'
            f'<figcaption>A chart</figcaption></figure><p>Paragraph two.</p>'
            f'<img src="assets/{jpg[0].name}" alt="photo">')
    return NewVersion(url=f"https://news.example.org/2026/story-{i}", title=title or f"Story number {i}",
                      byline="Jane Reporter", published="2026-03-01T10:00:00+02:00",
                      modified="2026-03-02T08:00:00+02:00",
                      lang="en", site_name="Example News", text=body, html=html, captured=captured,
                      lead_image=f"assets/{pic[0].name}", assets=[pic, jpg])


def make_archive(path: Path, n: int = 3) -> list[str]:
    with open_archive(path) as ar:
        return [ar.save(new_version(i)).id for i in range(n)]


def tree_digest(root: Path, skip_tmp: bool = True, dirs: bool = True) -> dict[str, str]:
    """Every file under `root` with its SHA-256 (the archive's blobs/tmp, where
    unpack keeps its private temp file, is skipped if asked; `dirs=False`
    ignores folders, which `gc` leaves behind empty)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if (skip_tmp and rel.startswith("blobs/tmp/")) or (not dirs and p.is_dir()):
            continue
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def age_keypair(tmp: Path) -> tuple[Path, str]:
    key = tmp / "age.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True,
                               text=True).stdout.strip()
    return key, recipient


@pytest.fixture
def target(tmp_path):
    """Archive B, the receiving side of a hostile-bundle test, with one article
    already in it (so 'unchanged' means more than 'still empty')."""
    b = tmp_path / "B"
    with open_archive(b) as ar:
        ar.save(new_version(99))
    return b
