"""Scale benchmark (issue 16): every command against the floor for the same
work, on synthetic archives of ordinary articles, at 1k and 10k articles
(100k with --large).

    .venv/bin/python bench/scale.py [--sizes 1000,10000] [--large] [--repeat 3] [--dir D] [--only ls,search]

Archives are built through the public API (Archive.save_many): 3-10 KB of
text per article in five languages, a 30-80 KB image (random bytes behind a
JPEG signature) in one article of five, two or three versions in one of ten.

Each command runs as its own process; CPU is the child's user + system time
(RUSAGE_CHILDREN of a wrapper), RSS its peak (ru_maxrss), both the median of --repeat runs. Floors:
pack: `zip -r` of the exported site piped to `age -r`; export-site: `cp -r`
of that site; unpack: `age -d` to a file + `unzip`; ls --json: `sqlite3
-json` of the same rows; search: the same FTS5 query in Python's sqlite3;
show: `sqlite3` printing the article's row. pack and export-site also show
their first run with an empty page cache ("cold": every page rendered).

Outputs of the export-site rows and their floors are written to new paths
and deleted only at the end of a size (`Scratch`), never just before a
measured run, and each export is followed by its floor (`paired`): on this
machine's ext4 (no journal) every new inode is found by scanning past the
inodes deleted in the last 60-360 s (`recently_deleted` in the kernel's
inode allocator), so a run right after the deletion of a site's 33,000 files
paid 6-15 s of system time more, cp -r as much as mirror. That once hit
mirror's runs (each followed a `rm -rf` of the last site) and not the
floor's first one. What creating files costs still varies from one minute
to the next (cp -r of the same site: 1.1-2.6 s): compare ratios, not seconds.
"Growth" is ours at this size over ours at the previous size (CPU), for 10x
the articles: linear is 10x. The last two rows pack and export the same
number of articles (1,000) at every size: their growth should be about 1x.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mirror.store import Archive  # noqa: E402
from mirror.model import Asset, NewVersion  # noqa: E402

MIRROR = str(ROOT / ".venv" / "bin" / "mirror")
LANGS = {
    "en": "river delta ferry council budget harvest school clinic border market election drought",
    "fr": "rivière conseil budget récolte école clinique frontière marché élection sécheresse",
    "de": "Fluss Fähre Gemeinderat Haushalt Ernte Schule Klinik Grenze Markt Wahl Dürre",
    "ru": "река паром совет бюджет урожай школа клиника граница рынок выборы засуха",
    "ar": "نهر عبارة مجلس ميزانية حصاد مدرسة عيادة حدود سوق انتخابات جفاف",
}
WORD = "budget"  # in every language's list but Arabic and Russian: about 3 articles in 5


def article(i: int, rng: random.Random, version: int = 0) -> NewVersion:
    lang = list(LANGS)[i % len(LANGS)]
    words = LANGS[lang].split()
    size = rng.randint(3000, 10000)
    paras, n = [], 0
    while n < size:
        p = " ".join(rng.choice(words) for _ in range(rng.randint(30, 90)))
        paras.append(p)
        n += len(p.encode("utf-8"))
    assets = []
    html = "".join(f"<p>{p}</p>" for p in paras)
    if i % 5 == 0:
        data = b"\xff\xd8\xff\xe0" + random.Random(i).randbytes(rng.randint(30_000, 80_000))
        sha = hashlib.sha256(data).hexdigest()
        a = Asset(f"{sha[:16]}.jpg", sha, "image/jpeg", len(data))
        assets.append((a, data))
        html = f"<p>{paras[0]}</p><figure><img src=\"assets/{a.name}\" alt=\"\"></figure>" + \
               "".join(f"<p>{p}</p>" for p in paras[1:])
    title = f"{words[i % len(words)].capitalize()} report {i}" + (f" (update {version})" if version else "")
    return NewVersion(url=f"https://news{i % 7}.example.org/2026/{i}", title=title, byline="Bench Desk",
                      published=f"2026-01-{1 + i % 28:02d}T08:00:00Z", modified=None, lang=lang,
                      site_name=f"News {i % 7}", text="\n\n".join(paras), html=html,
                      captured=f"2026-02-{1 + version:02d}T03:04:05Z", assets=assets)


def build(path: Path, n: int) -> tuple[int, int]:
    """The archive of `n` articles; returns the number of versions and the
    raw size (the bytes of every version's text and of every image, once)."""
    rng = random.Random(n)
    count = raw = 0
    images: set[str] = set()
    with Archive.create(path, None) as ar:  # plaintext: the floors read its SQLite file
        batch: list[NewVersion] = []
        for i in range(n):
            extra = rng.choice((1, 2)) if i % 10 == 3 else 0
            for v in range(extra + 1):
                new = article(i, rng, v)
                raw += len(new.text.encode("utf-8")) + sum(len(d) for a, d in new.assets if a.sha256 not in images)
                images.update(a.sha256 for a, _ in new.assets)
                batch.append(new)
            if len(batch) >= 500:
                count += len(batch)
                ar.save_many(batch)
                batch = []
        if batch:
            count += len(batch)
            ar.save_many(batch)
    return count, raw


@dataclass
class Run:
    cpu: float
    wall: float
    rss: float  # MiB


PROBE = ("import os, resource, subprocess, sys, time; t = time.monotonic(); "
         "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); w = time.monotonic() - t; "
         "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(u.ru_utime + u.ru_stime, w, u.ru_maxrss); sys.exit(r.returncode)")


def run(cmd: list[str] | str, cwd: Path | None = None) -> Run:
    """One process (a shell for a pipeline), started by a small wrapper so
    that its peak RSS is its own, not this process's image before exec (the
    wrapper's own ~10 MiB is the least a command can show). CPU and RSS
    include the children the command waited for."""
    argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else cmd
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, "MIRROR_CONFIG": "/dev/null"})
    if out.returncode != 0:
        raise SystemExit(f"failed ({out.returncode}): {cmd}\n{out.stderr}")
    cpu, wall, rss = out.stdout.split()[-3:]
    return Run(float(cpu), float(wall), int(rss) / 1024)


def median(runs: list[Run]) -> Run:
    return Run(statistics.median(r.cpu for r in runs), statistics.median(r.wall for r in runs),
               statistics.median(r.rss for r in runs))


def warm(make) -> None:
    """One run unmeasured: the first to read a file after a large write pays
    the disk (the floor, run second, would not)."""
    run(*make())


def repeat(n: int, make, before=None) -> list[Run]:
    out = []
    for _ in range(n):
        if before:
            before()
        out.append(run(*make()))
    return out


class Scratch:
    """New paths for a size's outputs (`new`), deleted together by `clear`
    after its last measured run: see the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def new(self, name: str) -> Path:
        self.count += 1
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / f"{name}.{self.count}"

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


SETTLE = 61  # s: how long ext4 skips an inode deleted once its inode table block is clean (after sync)


def settle() -> None:
    """Wait out the inodes just deleted (see the module docstring) before
    the next size is measured."""
    os.sync()
    time.sleep(SETTLE)


def paired(n: int, make, make_floor) -> tuple[list[Run], list[Run]]:
    """`n` runs of a command, each followed by its floor: the two see the
    disk alike (how much a file costs to create varies by minutes; see the
    module docstring)."""
    ours, floor = [], []
    for _ in range(n):
        ours.append(run(*make()))
        floor.append(run(*make_floor()))
    return ours, floor


def fresh(path: Path) -> Path:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    return path


SUMMARY_SQL = ("SELECT a.id, a.url, v.title, v.byline, v.published, v.lang, v.site_name, v.captured,"
               " (SELECT COUNT(*) FROM versions WHERE article_id = a.id) AS nversions FROM articles a"
               " JOIN versions v ON v.rowid = (SELECT rowid FROM versions WHERE article_id = a.id"
               " ORDER BY captured DESC, n DESC LIMIT 1) ORDER BY v.captured DESC, a.id")
# The floor of a search: the same MATCH expression mirror makes, on the same
# FTS5 table, the best 20 rows by rank (no snippets, no current versions),
# in the SQLite build mirror uses (sqlcipher3, here on a plaintext file).
FTS_PY = ("import sqlcipher3 as sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
          "rows = db.execute('SELECT rowid FROM search WHERE search MATCH ? ORDER BY rank LIMIT 20',"
          " (sys.argv[2],)).fetchall(); print(len(rows))")


def match_expr(db: Path, query: str) -> str:
    import sqlcipher3  # the engine mirror uses: the system's SQLite may be too old for the table

    from mirror.store import search as fts

    with contextlib.closing(sqlcipher3.connect(str(db))) as c:
        algorithms = [r[0] for r in c.execute("SELECT algorithm FROM search_langs ORDER BY algorithm")]
    return fts.to_fts(fts.parse(query), algorithms)


def measure_size(work: Path, n: int, reps: int, only: set[str]) -> dict[str, tuple[Run, Run, Run | None]]:
    """command -> (ours, floor, ours cold or None)."""
    a = work / f"A{n}"
    if (a / "archive.sqlite3").exists():  # kept from an earlier run in the same --dir
        print(f"# {n} articles: the archive built by an earlier run", flush=True)
    else:
        t = time.monotonic()
        versions, raw = build(a, n)
        print(f"# {n} articles, {versions} versions: built in {time.monotonic() - t:.1f} s,"
              f" archive {du(a) / 2**20:.1f} MiB = {du(a) / raw:.2f}x the raw text and images"
              f" ({raw / 2**20:.1f} MiB)", flush=True)
    wanted = lambda cmd: not only or cmd.split()[0] in only  # noqa: E731
    key = work / "key.txt"
    if not key.exists():
        subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    rcp = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True, text=True).stdout.strip()
    m = [MIRROR, "--archive", str(a)]
    bundle, out = work / f"b{n}.age", work / "out"
    scratch = Scratch(work / "scratch")
    try:
        return _measure(work, n, reps, wanted, a, m, key, rcp, bundle, out, scratch)
    finally:
        scratch.clear()


def _measure(work: Path, n: int, reps: int, wanted, a: Path, m: list[str], key: Path, rcp: str, bundle: Path,
             out: Path, scratch: Scratch) -> dict[str, tuple[Run, Run, Run | None]]:
    drop_cache = lambda: shutil.rmtree(a / "cache", ignore_errors=True)  # noqa: E731
    res = Results(n)
    sites: list[Path] = []

    def new_site(name: str = "site") -> list[str]:
        sites.append(scratch.new(name))
        return [str(sites[-1])]

    # pack's floor zips the site; unpack reads the bundle (kept from an earlier run if there is one)
    need_bundle = wanted("pack") or (wanted("unpack") and not bundle.exists())
    if wanted("export-site") or need_bundle:
        drop_cache()
        cold = run(m + ["export-site", *new_site(), "--all"])
        ours, floor = paired(reps, lambda: (m + ["export-site", *new_site(), "--all"],),
                             lambda: (["cp", "-r", str(sites[-1]), str(scratch.new("cp"))],))
        site = sites[-1]
        res["export-site --all"] = (median(ours), median(floor), cold)
        print(f"  site: {du(site) / 2**20:.1f} MiB in {sum(1 for _ in site.rglob('*'))} files", flush=True)

    if need_bundle:
        drop_cache()
        cold = run(m + ["pack", "-o", str(fresh(bundle)), "--all", "-r", rcp])
        ours = repeat(reps, lambda: (m + ["pack", "-o", str(fresh(bundle)), "--all", "-r", rcp],))
        floor = repeat(reps, lambda: (f"zip -qr - . | age -r {rcp} > {fresh(out)}", site))
        res["pack --all -r"] = (median(ours), median(floor), cold)
        print(f"  bundle: {bundle.stat().st_size / 2**20:.1f} MiB", flush=True)

    if wanted("unpack"):
        ours = repeat(reps, lambda: (f"{MIRROR} --archive {fresh(work / 'U')} init --plaintext >/dev/null &&"
                                     f" {MIRROR} --archive {work / 'U'} unpack {bundle} -i {key}",))
        floor = repeat(reps, lambda: (f"age -d -i {key} -o {fresh(work / 'u.zip')} {bundle} &&"
                                      f" unzip -q {work / 'u.zip'} -d {fresh(out)}",))
        res["unpack (empty archive)"] = (median(ours), median(floor), None)

    db = a / "archive.sqlite3"
    if wanted("ls"):
        warm(lambda: (m + ["ls", "--json"],))
        ours = repeat(reps, lambda: (m + ["ls", "--json"],))
        floor = repeat(reps, lambda: (["sqlite3", "-json", str(db), SUMMARY_SQL],))
        res["ls --json"] = (median(ours), median(floor), None)

    if wanted("search"):
        warm(lambda: (m + ["search", WORD],))
        ours = repeat(reps, lambda: (m + ["search", WORD],))
        expr = match_expr(db, WORD)
        floor = repeat(reps, lambda: ([sys.executable, "-c", FTS_PY, str(db), expr],))
        res[f"search {WORD}"] = (median(ours), median(floor), None)

    with Archive.open(a) as ar:
        ids = sorted(ar.ids())
    if wanted("show"):
        aid = ids[n // 2]
        ours = repeat(reps, lambda: (m + ["show", aid],))
        floor = repeat(reps, lambda: (["sqlite3", str(db), "SELECT title, text FROM versions WHERE article_id ="
                                       f" '{aid}' ORDER BY captured DESC, n DESC LIMIT 1"],))
        res["show ID"] = (median(ours), median(floor), None)

    # The same work at every size: the 1,000 articles of lowest id (the same
    # shape at any size). Their cost should not grow with the archive (goal:
    # within 1.2x from 1k to 100k), so "growth" here should read about 1x.
    some = [str(i) for i in ids[:SUBSET]]
    sub = scratch.new("sub")
    if wanted("pack") or wanted("subset") or wanted("export-site"):
        export_once(m, sub, some)  # this size's articles (not an earlier size's), their pages cached
    if wanted("pack") or wanted("subset"):
        ours = repeat(reps, lambda: (m + ["pack", "-o", str(work / "sub.age"), "-f", "-r", rcp, *some],))
        floor = repeat(reps, lambda: (f"zip -qr - . | age -r {rcp} > {fresh(out)}", sub))
        res[f"pack {SUBSET:,} IDs"] = (median(ours), median(floor), None)
    if wanted("export-site") or wanted("subset"):
        ours, floor = paired(reps, lambda: (m + ["export-site", *new_site("sub"), *some],),
                             lambda: (["cp", "-r", str(sites[-1]), str(scratch.new("cp"))],))
        res[f"export-site {SUBSET:,} IDs"] = (median(ours), median(floor), None)
    return res


SUBSET = 1000


def export_once(m: list[str], sub: Path, some: list[str]) -> None:
    """The exported site of `some`: the files pack's floor zips."""
    subprocess.run(m + ["export-site", str(sub), *some], check=True, capture_output=True,
                   env={**os.environ, "MIRROR_CONFIG": "/dev/null"})


class Results(dict[str, tuple[Run, Run, Run | None]]):
    """command -> (ours, floor, cold), each row printed as it is measured (a
    failure later in a long run keeps what was measured)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def __setitem__(self, cmd: str, value: tuple[Run, Run, Run | None]) -> None:
        super().__setitem__(cmd, value)
        ours, floor, cold = value
        print(f"  {self.n:,} {cmd}: {ours.cpu:.2f} s CPU ({ours.wall:.2f} wall), {ours.rss:.0f} MiB;"
              f" floor {floor.cpu:.3f} s ({floor.wall:.3f}); {ours.cpu / max(floor.cpu, 1e-3):.1f}x"
              + (f"; cold {cold.cpu:.2f} s" if cold else ""), flush=True)


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def table(results: dict[int, dict[str, tuple[Run, Run, Run | None]]]) -> str:
    lines = ["| articles | command | ours CPU s (wall) | cold CPU s | floor CPU s (wall) | ratio | peak RSS MiB"
             " (floor) | growth |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    prev: dict[str, float] = {}
    for n, res in results.items():
        for cmd, (ours, floor, cold) in res.items():
            growth = f"{ours.cpu / prev[cmd]:.1f}x" if cmd in prev and prev[cmd] > 0 else ""
            lines.append(f"| {n:,} | `{cmd}` | {ours.cpu:.2f} ({ours.wall:.2f}) |"
                         f" {f'{cold.cpu:.2f}' if cold else ''} | {floor.cpu:.3f} ({floor.wall:.3f}) |"
                         f" {ours.cpu / max(floor.cpu, 1e-3):.1f}x | {ours.rss:.0f} ({floor.rss:.0f}) | {growth} |")
            prev[cmd] = ours.cpu
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    ap.add_argument("--large", action="store_true", help="also 100,000 articles (takes long)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", help="work here (default: a temp dir, removed at the end)")
    ap.add_argument("--only", default="", help="comma-separated commands to measure (export-site, pack,"
                    " unpack, ls, search, show, subset: the 1,000-article rows); with --dir, archives built by an earlier run are reused")
    args = ap.parse_args()
    only = {c.strip() for c in args.only.split(",") if c.strip()}
    sizes = [int(s) for s in args.sizes.split(",")] + ([100_000] if args.large else [])
    work = Path(args.dir or tempfile.mkdtemp(prefix="mirror-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        for n in sizes:
            t = time.monotonic()
            results[n] = measure_size(work, n, args.repeat, only)
            print(f"  measured in {time.monotonic() - t:.0f} s", flush=True)
            if n != sizes[-1]:
                settle()
        print(table(results))
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
