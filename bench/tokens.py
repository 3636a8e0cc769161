"""Index tokenising with bounded word caches (issue 16: memory at 100k).

    .venv/bin/python bench/tokens.py [--texts N]

Tokenises real prose (the ground truth of ../shared/bench/extraction/dev, 109
articles) N times over, each text with 40 rare words of its own appended, as
a large archive brings names and numbers that rarely come again; once with
the shipped cache size (search.WORD_CACHE) and once with each other size.
Prints CPU seconds, the word cache's hit rate and the memory the caches hold
at the end (tracemalloc), and ours against each as ratios.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mirror.store import search  # noqa: E402

TRUTH = ROOT.parent / "shared" / "bench" / "extraction" / "dev" / "ground-truth.json"


def run(size: int, texts: list[str], n: int) -> tuple[float, float, int]:
    search._word_tokens = functools.lru_cache(maxsize=size)(search._word_tokens.__wrapped__)  # type: ignore[method-assign]
    search._stem = functools.lru_cache(maxsize=size)(search._stem.__wrapped__)
    search.fold = functools.lru_cache(maxsize=size)(search.fold.__wrapped__)
    rnd = random.Random(1)
    tracemalloc.start()
    t = time.process_time()
    for i in range(n):
        rare = " ".join(f"name{rnd.randrange(10**6)}" for _ in range(40))
        search.index_text(texts[i % len(texts)] + " " + rare, "en")
    cpu = time.process_time() - t
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    info = search._word_tokens.cache_info()
    return cpu, info.hits / max(1, info.hits + info.misses), held


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=3000)
    args = ap.parse_args()
    if not TRUTH.exists():
        sys.exit(f"needs {TRUTH}")
    texts = [v["articleBody"] for v in json.loads(TRUTH.read_text()).values()]
    ours = run(search.WORD_CACHE, texts, args.texts)
    print(f"{args.texts} texts; ours: cache {search.WORD_CACHE}, {ours[0]:.2f} s CPU, hit {ours[1]:.3f},"
          f" caches hold {ours[2] / 2**20:.1f} MiB")
    print("| cache size | CPU s | hit rate | held MiB | ours/this CPU | ours/this memory |")
    print("| --- | --- | --- | --- | --- | --- |")
    for size in (1 << 13, search.WORD_CACHE, 1 << 18):
        cpu, hit, held = run(size, texts, args.texts)
        print(f"| {size} | {cpu:.2f} | {hit:.3f} | {held / 2**20:.1f} | {ours[0] / cpu:.2f}x | {ours[2] / held:.2f}x |")


if __name__ == "__main__":
    main()
