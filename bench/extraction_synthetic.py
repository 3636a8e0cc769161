#!/usr/bin/env python3
"""Extraction on the synthetic held-out set: hand-written pages in the shapes
of common publishing platforms (tests/extraction_pages), none of them seen
while the extractor was tuned.

Each page is `NAME.html` with its hand-written body in `NAME.txt` (body only:
no headline, byline, dates, captions, comments, related links or newsletter
boxes; in-text subheadings included). Runs mirror, trafilatura (defaults and
favor_precision without comments) and readability-lxml the same way
bench/extraction.py does, scores them with the shared benchmark's score.py,
and prints the table plus mirror's worst pages and where it loses.

    python bench/extraction_synthetic.py [--pages DIR] [--worst N] [--only mirror]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "extraction_pages"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction import DEFAULT_DEV, REFERENCE, SYSTEMS  # noqa: E402


def load_pages(folder: Path = PAGES) -> tuple[dict, dict]:
    """Ground truth (benchmark format: id -> {articleBody, url}) and page HTML."""
    gt, pages = {}, {}
    for html_path in sorted(folder.glob("*.html")):
        pid = html_path.stem
        txt = html_path.with_suffix(".txt")
        if not txt.exists():
            raise SystemExit(f"extraction_synthetic.py: {html_path} has no {txt.name}")
        gt[pid] = {"articleBody": txt.read_text(encoding="utf-8"),
                   "url": f"https://www.{pid}.example/article"}
        pages[pid] = html_path.read_text(encoding="utf-8")
    return gt, pages


def import_score():
    sys.path.insert(0, str(DEFAULT_DEV.parent))
    from score import score
    return score


def evaluate(names, gt: dict, pages: dict, n_bootstrap: int = 200) -> dict:
    score = import_score()
    results = {}
    for name in names:
        try:
            run = SYSTEMS[name]()
        except ImportError as e:
            print(f"extraction_synthetic.py: skipping {name}: {e} (pip install -e '.[bench]')",
                  file=sys.stderr)
            continue
        preds = {}
        t0 = time.process_time()
        for pid, html in pages.items():
            preds[pid] = {"articleBody": run(html, gt[pid]["url"])}
        cpu = time.process_time() - t0
        r = score(gt, preds, n_bootstrap=n_bootstrap)
        r["pages_per_s"] = len(pages) / cpu if cpu else float("inf")
        results[name] = r
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=Path, default=PAGES)
    ap.add_argument("--only", action="append", choices=sorted(SYSTEMS))
    ap.add_argument("--worst", type=int, default=10, metavar="N")
    args = ap.parse_args(argv)
    gt, pages = load_pages(args.pages)
    names = args.only or list(SYSTEMS)
    results = evaluate(names, gt, pages)
    ref = results.get(REFERENCE)
    print(f"{len(pages)} synthetic pages from {args.pages}")
    print(f"{'system':<22} {'P':>6} {'R':>6} {'F1':>6} {'±':>6} {'acc':>6} {'empty':>5} "
          f"{'pages/s':>8} {'F1/ref':>7}")
    for name, r in results.items():
        f1_ratio = f"{r['f1'] / ref['f1']:.3f}" if ref else "-"
        print(f"{name:<22} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} "
              f"{r['f1_std']:>6.3f} {r['accuracy']:>6.3f} {r['n_pred_empty']:>5} "
              f"{r['pages_per_s']:>8.1f} {f1_ratio:>7}")
    if "mirror" in results:
        per = results["mirror"]["per_page"]
        others = [n for n in results if n != "mirror"]
        print(f"\nmirror's {args.worst} lowest-F1 pages (best other system in brackets):")
        for pid in sorted(per, key=lambda p: per[p]["f1"])[: args.worst]:
            p = per[pid]
            prec = "-" if p["precision"] is None else f"{p['precision']:.3f}"
            rec = "-" if p["recall"] is None else f"{p['recall']:.3f}"
            best = max(others, key=lambda n: results[n]["per_page"][pid]["f1"], default=None)
            extra = f"  [{best} {results[best]['per_page'][pid]['f1']:.3f}]" if best else ""
            print(f"  {p['f1']:.3f}  P {prec:>5}  R {rec:>5}  {pid}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
