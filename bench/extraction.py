#!/usr/bin/env python3
"""Extraction benchmark: mirror.extract against trafilatura and readability-lxml.

Runs every system over the saved pages of the shared benchmark (dev part by
default), scores them with the benchmark's own score.py (imported from the
benchmark folder, never copied), and prints one table: precision, recall,
F1, accuracy, empty outputs, pages per CPU-second, and F1 and speed ratios to
trafilatura's defaults measured in the same run.

    python bench/extraction.py [--dev DIR] [--only mirror] [--worst N] [--save DIR]

trafilatura and readability-lxml are benchmark-only dependencies (the
`bench` extra).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEV = ROOT.parent / "shared" / "bench" / "extraction" / "dev"
sys.path.insert(0, str(ROOT))


def load_pages(dev: Path) -> tuple[dict, dict]:
    gt = json.loads((dev / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {}
    for pid in sorted(gt):
        with gzip.open(dev / "html" / f"{pid}.html.gz", "rt", encoding="utf-8") as fh:
            pages[pid] = fh.read()
    return gt, pages


# -- systems: page html (str), url -> body text ----------------------------


def sys_mirror():
    from mirror.errors import ExtractionError
    from mirror.extract import extract

    def run(html: str, url: str) -> str:
        try:
            return extract(html, url).text
        except ExtractionError:
            return ""
    return run


def sys_trafilatura(**kw):
    import trafilatura

    def run(html: str, url: str) -> str:
        return trafilatura.extract(html, url=url, **kw) or ""
    return run


_BLOCKS = {"p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
           "ol", "blockquote", "pre", "table", "tr", "td", "th", "figure", "figcaption", "dl",
           "dt", "dd", "header", "footer", "aside", "main", "br", "hr", "form", "address"}


def _lxml_text(fragment_html: str) -> str:
    """Text of an HTML fragment with a line break at every block boundary."""
    import lxml.html

    if not fragment_html.strip():
        return ""
    root = lxml.html.fromstring(fragment_html)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    text = root.text_content()
    lines = [" ".join(ln.split()) for ln in text.split("\n")]
    return "\n\n".join(ln for ln in lines if ln)


def sys_readability():
    import logging

    from readability import Document

    logging.getLogger("readability").setLevel(logging.ERROR)

    def run(html: str, url: str) -> str:
        try:
            return _lxml_text(Document(html, url=url).summary(html_partial=True))
        except Exception:  # noqa: BLE001 - a failing page scores as empty
            return ""
    return run


SYSTEMS = {
    "mirror": sys_mirror,
    "trafilatura": lambda: sys_trafilatura(),
    "trafilatura-precision": lambda: sys_trafilatura(include_comments=False, favor_precision=True),
    "readability-lxml": sys_readability,
}
REFERENCE = "trafilatura"


def run_system(run, gt: dict, pages: dict) -> tuple[dict, float]:
    preds = {}
    t0 = time.process_time()
    for pid, html in pages.items():
        preds[pid] = {"articleBody": run(html, gt[pid].get("url"))}
    return preds, time.process_time() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev", type=Path, default=DEFAULT_DEV,
                    help="benchmark folder with ground-truth.json and html/ (default: %(default)s)")
    ap.add_argument("--only", action="append", choices=sorted(SYSTEMS),
                    help="run only these systems (repeatable); ratios need trafilatura")
    ap.add_argument("--worst", type=int, default=0, metavar="N",
                    help="also list mirror's N lowest-F1 pages")
    ap.add_argument("--save", type=Path, metavar="DIR", help="write each system's predictions here")
    args = ap.parse_args(argv)

    # The scorer lives next to the page folder; a held-out folder elsewhere
    # is scored with the shared benchmark's scorer.
    for scorer_dir in (args.dev.resolve().parent, DEFAULT_DEV.parent):
        if (scorer_dir / "score.py").exists():
            sys.path.insert(0, str(scorer_dir))
            break
    try:
        from score import score
    except ImportError:
        print(f"extraction.py: no score.py next to {args.dev} or {DEFAULT_DEV}", file=sys.stderr)
        return 2
    if not (args.dev / "ground-truth.json").exists():
        print(f"extraction.py: {args.dev} has no ground-truth.json", file=sys.stderr)
        return 2
    gt, pages = load_pages(args.dev)
    names = args.only or list(SYSTEMS)
    results = {}
    for name in names:
        try:
            run = SYSTEMS[name]()
        except ImportError as e:
            print(f"extraction.py: skipping {name}: {e} (pip install -e '.[bench]')", file=sys.stderr)
            continue
        preds, cpu = run_system(run, gt, pages)
        r = score(gt, preds, n_bootstrap=200)
        r["pages_per_s"] = len(pages) / cpu if cpu else float("inf")
        results[name] = r
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{name}.json").write_text(json.dumps(preds, ensure_ascii=False))

    ref = results.get(REFERENCE)
    print(f"{len(pages)} pages from {args.dev}")
    print(f"{'system':<22} {'P':>6} {'R':>6} {'F1':>6} {'±':>6} {'acc':>6} {'empty':>5} "
          f"{'pages/s':>8} {'F1/ref':>7} {'speed/ref':>9}")
    for name, r in results.items():
        f1_ratio = f"{r['f1'] / ref['f1']:.3f}" if ref else "-"
        sp_ratio = f"{r['pages_per_s'] / ref['pages_per_s']:.2f}" if ref else "-"
        print(f"{name:<22} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} "
              f"{r['f1_std']:>6.3f} {r['accuracy']:>6.3f} {r['n_pred_empty']:>5} "
              f"{r['pages_per_s']:>8.1f} {f1_ratio:>7} {sp_ratio:>9}")
    print(f"(pages/s = pages per CPU-second of this process; ratios are to {REFERENCE} "
          "defaults in this run)")
    if args.worst and "mirror" in results:
        per = results["mirror"]["per_page"]
        print(f"\nmirror's {args.worst} lowest-F1 pages:")
        for pid in sorted(per, key=lambda p: per[p]["f1"])[: args.worst]:
            p = per[pid]
            prec = "-" if p["precision"] is None else f"{p['precision']:.3f}"
            rec = "-" if p["recall"] is None else f"{p['recall']:.3f}"
            print(f"  {p['f1']:.3f}  P {prec:>5}  R {rec:>5}  {pid[:12]}  {gt[pid].get('url', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
