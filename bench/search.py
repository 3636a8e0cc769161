"""Search benchmark (issue 11): search, ls and show latency on synthetic
archives of 10k articles (100k with --large), against raw FTS5 and SQL on the
same database.

    .venv/bin/python bench/search.py [--large] [--dir D]

Archives are built through the public API (Archive.save_many, plaintext
layout): ~250 words per article from a Zipf-like vocabulary of each of six
languages (en, ru, uk, ar, zh, ja). Latency is wall time of one in-process
call, the median of 5 runs after one warm-up:
- search: Archive.search(q, limit=20), ranked, snippets made; raw: the same
  MATCH expression on the `search` table, `ORDER BY rank LIMIT 20`, rowids only;
- ls: Archive.list() and summaries_json() (every article; raw: `SELECT
  article_id, title FROM versions`), and the first 20 (raw: the 20 newest
  versions' ids and titles);
- show: Archive.get(id); raw: `SELECT * FROM versions WHERE article_id = ?`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mirror.model import NewVersion  # noqa: E402
from mirror.store import Archive  # noqa: E402
from mirror.store import search as fts  # noqa: E402

SEEDS = {
    "en": "cat court harbour strike bridge journalist police election minister report city war law".split(),
    "ru": "суд журналист полиция выборы министр город война закон доклад ёлка мост забастовка".split(),
    "uk": "суд журналіст поліція вибори міністр місто війна закон звіт їдальня міст страйк".split(),
    "ar": "محكمة صحفي شرطة انتخابات وزير مدينة حرب قانون تقرير جسر إضراب ميناء".split(),
    "zh": "法院 记者 警察 选举 部长 城市 战争 法律 报告 北京 桥梁 罢工".split(),
    "ja": "裁判所 記者 警察 選挙 大臣 都市 戦争 法律 報告 商標権 東京 橋".split(),
}
ENDINGS = {"en": ["", "s", "ed", "ing"], "ru": ["", "а", "ов", "ами", "е"], "uk": ["", "и", "ів", "ами"],
           "ar": ["", "ين", "ات"], "zh": [""], "ja": [""]}
QUERIES = ["journalist", "журналист", "журналіст*", "صحفي", "记者", "商標権", "bri*", '"court report"',
           "police OR полиция", "court -war", "zzzznothing"]


def vocabulary(lang: str, rng: random.Random) -> list[str]:
    """The seeds, then 3000 made-up words of the language's letters."""
    letters = {"en": "abcdefghijklmnoprstuvw", "ru": "абвгдежзиклмнопрстуфхцчшыэюя",
               "uk": "абвгдежзиіїклмнопрстуфхцчшюяє", "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
               "zh": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年", "ja": "あいうえおかきくけこさしすせそたちつてと日本人国会社"}[lang]
    n = (2, 3) if lang in ("zh", "ja") else (3, 9)
    return SEEDS[lang] + ["".join(rng.choice(letters) for _ in range(rng.randint(*n))) for _ in range(3000)]


def article(i: int, lang: str, vocab: list[str], rng: random.Random) -> NewVersion:
    sep = "" if lang in ("zh", "ja") else " "
    words = [vocab[min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)] + rng.choice(ENDINGS[lang])
             for _ in range(250)]
    text = sep.join(words)
    day = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
    return NewVersion(url=f"https://bench.example/{lang}/{i}", title=sep.join(words[:6]), byline=None,
                      published=day, modified=None, lang=lang, site_name="Bench", text=text,
                      html=f"<p>{text}</p>", captured=day + "T00:00:00Z", assets=[])


def build(root: Path, n: int) -> float:
    rng = random.Random(n)
    vocabs = {lang: vocabulary(lang, rng) for lang in SEEDS}
    langs = list(SEEDS)
    t = time.perf_counter()
    with Archive.create(root, None) as ar:
        for start in range(0, n, 1000):
            ar.save_many([article(i, langs[i % len(langs)], vocabs[langs[i % len(langs)]], rng)
                          for i in range(start, min(n, start + 1000))])
    return time.perf_counter() - t


def timed(f, runs: int = 5) -> float:
    f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def measure(root: Path, n: int) -> None:
    with Archive.open(root) as ar:
        db = ar.catalogue.db
        algorithms = [r[0] for r in db.execute("SELECT algorithm FROM search_langs")]
        aid = ar.ids()[n // 2]
        rows = []
        for q in QUERIES:
            expr = fts.to_fts(fts.parse(q), algorithms)
            count = db.execute("SELECT count(*) FROM search WHERE search MATCH ?", (expr,)).fetchone()[0]
            ours = timed(lambda: ar.search(q, 20))
            raw = timed(lambda: db.execute("SELECT rowid FROM search WHERE search MATCH ? ORDER BY rank LIMIT 20",
                                           (expr,)).fetchall())
            rows.append((f"search {q}", ours, raw, count))
        raw = timed(lambda: db.execute("SELECT article_id, title FROM versions").fetchall(), 3)
        rows.append(("ls (every article, as objects)", timed(ar.list, 3), raw, n))
        rows.append(("ls --json (every article)", timed(lambda: list(ar.summaries_json()), 3), raw, n))
        ours = timed(lambda: list(ar.summaries(20)))
        raw = timed(lambda: db.execute("SELECT article_id, title FROM versions ORDER BY captured DESC"
                                       " LIMIT 20").fetchall())
        rows.append(("ls --limit 20 (the first screen)", ours, raw, 20))
        ours = timed(lambda: ar.get(aid))
        raw = timed(lambda: db.execute("SELECT * FROM versions WHERE article_id = ?", (aid,)).fetchall())
        rows.append(("show", ours, raw, 1))
    print(f"\n{n} articles")
    print(f"{'operation':32} {'ours ms':>9} {'raw ms':>9} {'ratio':>7} {'matches':>8}")
    for name, ours, raw, count in rows:
        print(f"{name:32} {ours:9.1f} {raw:9.2f} {ours / raw if raw else 0:7.1f} {count:8}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--large", action="store_true", help="also 100k articles (minutes to build)")
    p.add_argument("--dir", type=Path, default=None, help="where to build (default: a temporary directory)")
    args = p.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="mirror-search-bench-"))
    for n in [10_000] + ([100_000] if args.large else []):
        root = base / f"a{n}"
        if not root.exists():
            print(f"building {n} articles in {root}: {build(root, n):.0f} s", flush=True)
        measure(root, n)


if __name__ == "__main__":
    main()
