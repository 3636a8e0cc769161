"""Child process for the crash and concurrency tests: writes articles in a loop.

After each save returns it appends `id content_hash` to a log and fsyncs it, so
the parent knows exactly which writes were acknowledged before the kill."""

import hashlib
import os
import sys
from datetime import datetime, timezone

from mirror.model import Asset, NewVersion
from conftest import open_archive


def make(i: int, salt: str) -> NewVersion:
    img = hashlib.sha256(f"{salt}-{i}".encode()).digest() * 2000  # 64 KB asset
    sha = hashlib.sha256(img).hexdigest()
    asset = Asset(f"{sha[:16]}.bin", sha, "application/octet-stream", len(img))
    body = f"Article {i} about the harbour strike and the court ruling {salt}. " * 50
    return NewVersion(
        url=f"https://news.example/{salt}/{i}", title=f"Harbour story {i}", byline="A. Writer",
        published="2026-11-01", modified=None, lang="en", site_name="Example News", text=body,
        html=f'<p>{body}</p><img src="assets/{asset.name}">',
        captured=datetime.now(timezone.utc).isoformat(), assets=[(asset, img)], raw=body.encode() * 3)


def main() -> None:
    root, log, salt, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open_archive(root) as ar, open(log, "a") as out:
        for i in range(count):
            new = make(i, salt)
            res = ar.save(new)
            out.write(f"{res.id} {new.content_hash()}\n")
            out.flush()
            os.fsync(out.fileno())


if __name__ == "__main__":
    main()
