#!/usr/bin/env python3
"""Extraction benchmark: mirror.extract against trafilatura and readability-lxml.

Runs every system over the corpora in one run and prints their tables side by
side, scored with the shared benchmark's own score.py (imported from the
benchmark folder, never copied):

  dev          ../shared/bench/extraction/dev: hand-marked article bodies
  readability  ../shared/bench/extraction/readability: Firefox Reader View's
               output for Mozilla Readability's test pages (keeps captions)
  pages        tests/extraction_pages: pages we wrote in shapes neither has

Judge a change by the sum over all corpora: one that wins on dev but loses on
another is fitted to dev. Speed is pages per CPU-second over all pages of all
corpora, and its ratio to trafilatura's defaults measured in the same run.

    python bench/extraction.py [--corpus NAME ...] [--only SYSTEM ...] [--worst N] [--save DIR]

trafilatura and readability-lxml are benchmark-only dependencies (the
`bench` extra). Without ../shared the shared corpora are skipped with a message.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _find_shared() -> Path:
    """../shared beside the checkout; a worktree nested deeper finds it further up."""
    for up in ROOT.parents:
        if (up / "shared" / "bench" / "extraction").is_dir():
            return up / "shared" / "bench" / "extraction"
    return ROOT.parent / "shared" / "bench" / "extraction"


SHARED = _find_shared()
DEFAULT_DEV = SHARED / "dev"
PAGES = ROOT / "tests" / "extraction_pages"
sys.path.insert(0, str(ROOT))


@dataclass
class Corpus:
    name: str
    gt: dict  # id -> {"articleBody", "url"}
    pages: dict  # id -> html


def _gz_pages(folder: Path, ids) -> dict:
    pages = {}
    for pid in ids:
        with gzip.open(folder / "html" / f"{pid}.html.gz", "rt", encoding="utf-8") as fh:
            pages[pid] = fh.read()
    return pages


def load_shared(folder: Path, truth_file: str) -> tuple[dict, dict]:
    """A shared corpus: truth JSON (id -> {articleBody, url, ...}) and html/ID.html.gz."""
    gt = json.loads((folder / truth_file).read_text(encoding="utf-8"))
    return gt, _gz_pages(folder, sorted(gt))


def load_pages(dev: Path) -> tuple[dict, dict]:
    """The dev corpus (kept for callers of the one-corpus form)."""
    return load_shared(dev, "ground-truth.json")


def load_local(folder: Path = PAGES) -> tuple[dict, dict]:
    """tests/extraction_pages: NAME.html with its expected body in NAME.txt."""
    gt, pages = {}, {}
    for html_path in sorted(folder.glob("*.html")):
        pid = html_path.stem
        gt[pid] = {"articleBody": html_path.with_suffix(".txt").read_text(encoding="utf-8"),
                   "url": f"https://www.{pid}.example/article"}
        pages[pid] = html_path.read_text(encoding="utf-8")
    return gt, pages


CORPORA = {
    "dev": lambda: load_shared(SHARED / "dev", "ground-truth.json"),
    "readability": lambda: load_shared(SHARED / "readability", "reference.json"),
    "pages": load_local,
}


def load_corpora(names) -> list[Corpus]:
    out = []
    for name in names:
        try:
            gt, pages = CORPORA[name]()
        except FileNotFoundError as e:
            print(f"extraction.py: skipping corpus {name}: {e.filename} is absent "
                  "(the shared benchmark lives in ../shared/bench/extraction)", file=sys.stderr)
            continue
        out.append(Corpus(name, gt, pages))
    return out


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


def import_score():
    sys.path.insert(0, str(SHARED))
    from score import score
    return score


def print_tables(corpora: list[Corpus], results: dict, speed: dict) -> None:
    """One row per system: P/R/F1/acc/empty per corpus side by side, then the
    sum of F1s, pages per CPU-second and the ratios to the reference."""
    head = f"{'system':<22}"
    sub = " " * 22
    for c in corpora:
        label = f"{c.name} ({len(c.pages)})"
        head += f" | {label:<32}"
        sub += f" | {'P':>5} {'R':>5} {'F1':>5} {'±':>5} {'acc':>5} {'emp':>3}"
    head += f" | {'sum F1':>6} {'pages/s':>8} {'speed/ref':>9}"
    print(head)
    print(sub)
    ref = speed.get(REFERENCE)
    for name, per in results.items():
        row = f"{name:<22}"
        for c in corpora:
            r = per[c.name]
            row += (f" | {r['precision']:>5.3f} {r['recall']:>5.3f} {r['f1']:>5.3f} "
                    f"{r['f1_std']:>5.3f} {r['accuracy']:>5.3f} {r['n_pred_empty']:>3}")
        total = sum(per[c.name]["f1"] for c in corpora)
        ratio = f"{speed[name] / ref:.2f}" if ref else "-"
        row += f" | {total:>6.3f} {speed[name]:>8.1f} {ratio:>9}"
        print(row)
    print(f"(pages/s = pages per CPU-second of this process over all corpora; speed/ref is "
          f"the ratio to {REFERENCE} defaults in this run)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", action="append", choices=list(CORPORA),
                    help="run only these corpora (repeatable; default: all)")
    ap.add_argument("--only", action="append", choices=sorted(SYSTEMS),
                    help="run only these systems (repeatable); ratios need trafilatura")
    ap.add_argument("--worst", type=int, default=0, metavar="N",
                    help="also list mirror's N lowest-F1 pages of each corpus")
    ap.add_argument("--save", type=Path, metavar="DIR", help="write each system's predictions here")
    args = ap.parse_args(argv)

    corpora = load_corpora(args.corpus or list(CORPORA))
    if not (SHARED / "score.py").exists():
        print(f"extraction.py: skipping: no score.py in {SHARED} (the shared benchmark "
              "is absent)", file=sys.stderr)
        return 0
    score = import_score()
    names = args.only or list(SYSTEMS)
    results: dict = {}
    speed: dict = {}
    for name in names:
        try:
            run = SYSTEMS[name]()
        except ImportError as e:
            print(f"extraction.py: skipping {name}: {e} (pip install -e '.[bench]')", file=sys.stderr)
            continue
        results[name], cpu, n = {}, 0.0, 0
        for c in corpora:
            preds, t = run_system(run, c.gt, c.pages)
            cpu, n = cpu + t, n + len(c.pages)
            results[name][c.name] = score(c.gt, preds, n_bootstrap=200)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{c.name}-{name}.json").write_text(json.dumps(preds, ensure_ascii=False))
        speed[name] = n / cpu if cpu else float("inf")

    print_tables(corpora, results, speed)
    if args.worst and "mirror" in results:
        others = [n for n in results if n != "mirror"]
        for c in corpora:
            per = results["mirror"][c.name]["per_page"]
            print(f"\nmirror's {args.worst} lowest-F1 pages of {c.name} (best other system in brackets):")
            for pid in sorted(per, key=lambda p: per[p]["f1"])[: args.worst]:
                p = per[pid]
                prec = "-" if p["precision"] is None else f"{p['precision']:.3f}"
                rec = "-" if p["recall"] is None else f"{p['recall']:.3f}"
                best = max(others, key=lambda o: results[o][c.name]["per_page"][pid]["f1"], default=None)
                extra = f"  [{best} {results[best][c.name]['per_page'][pid]['f1']:.3f}]" if best else ""
                print(f"  {p['f1']:.3f}  P {prec:>5}  R {rec:>5}  {pid[:24]:<24}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
