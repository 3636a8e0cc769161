"""Archive-pipeline throughput: pages per second for `add` against a local
server (fetch + extract + images + sanitise + store), and reader pages per
second for `show --format html`. Network latency is zero here, so this
measures the tool's own cost, not a real site's.

    .venv/bin/python bench/pipeline.py [--pages 60] [--jobs 4] [--images 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from sitekit import Site, article, png  # noqa: E402

from mirror import config  # noqa: E402
from mirror.store import Archive  # noqa: E402
from mirror.pipeline import add_urls  # noqa: E402
from mirror.render import reader_page  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--images", type=int, default=3)
    args = ap.parse_args()

    site = Site()
    for i in range(args.pages):
        imgs = "".join(f'<figure><img src="/img/{i}-{k}.png" alt=""><figcaption>Picture {k}</figcaption></figure>'
                       for k in range(args.images))
        site.html(f"http://bench.example/story/{i}", article(f"Story number {i}", paras=12, extra=imgs))
        for k in range(args.images):
            site.image(f"http://bench.example/img/{i}-{k}.png", png(320, 200, (i % 256, k * 60, 90)))
    port = site.start()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config.load(archive=Path(tmp) / "ar")
        cfg = replace(cfg, fetch=replace(cfg.fetch, per_host_delay=0.0, retries=0, allow_private=True))
        urls = [f"http://127.0.0.1:{port}/story/{i}" for i in range(args.pages)]
        site.routes = {("127.0.0.1", k[1]): v for k, v in site.routes.items()}
        with Archive.create(cfg.archive, None) as ar:  # plaintext: bench/archive_crypto.py measures encryption
            t0 = time.perf_counter()
            outcomes = add_urls(urls, cfg, ar, jobs=args.jobs)
            add_s = time.perf_counter() - t0
            bad = [o for o in outcomes if not o.ok]
            if bad:
                sys.exit(f"bench: {bad[0].url}: {bad[0].error}")
            ids = [o.id for o in outcomes]
            t0 = time.perf_counter()
            sizes = [len(reader_page(ar.get(a), ar.read_blob)) for a in ids]
            render_s = time.perf_counter() - t0
    site.stop()
    n = args.pages
    print(f"add: {n} pages, {n * args.images} images, jobs={args.jobs}: {add_s:.2f} s = {n / add_s:.1f} pages/s")
    print(f"reader pages: {n} in {render_s:.2f} s = {n / render_s:.0f} pages/s, "
          f"mean size {sum(sizes) / n / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
