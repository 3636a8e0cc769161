"""Encrypted archive vs plaintext archive, the same work in one run: add 200
local pages, search, ls, show, pack 1,000 articles, unpack them. Prints
CPU and wall seconds (medians of --repeat runs; add runs once) and peak RSS of each
command, run as a user runs it (`mirror ...` in a fresh process), and the
ratios. Goals (the encrypted-archive issue): at most 1.3x the plaintext time
for each, peak RSS within 20 MiB.

    .venv/bin/python bench/archive_crypto.py [--pages 200] [--articles 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sitekit import Site, article, png  # noqa: E402

from mirror.crypto import age  # noqa: E402
from mirror.model import Asset, NewVersion  # noqa: E402
from mirror.store import Archive, NewKeys  # noqa: E402

LAYOUTS = ("plaintext", "encrypted")
WORDS = ("harbour strike court ruling council river bridge election water school hospital "
         "minister budget protest journalist factory railway border village market").split()


def story(i: int, rng: random.Random) -> NewVersion:
    paras = [" ".join(rng.choice(WORDS) for _ in range(90)) + "." for _ in range(6)]
    assets = []
    html = "".join(f"<p>{p}</p>" for p in paras)
    if i % 5 == 0:  # an image in one article of five
        img = png(200, 120, (i % 256, 80, 140))
        sha = hashlib.sha256(img).hexdigest()
        assets.append((Asset(f"{sha[:16]}.png", sha, "image/png", len(img)), img))
        html = f'<img src="assets/{sha[:16]}.png" alt="">' + html
    return NewVersion(url=f"https://paper.example/{i}", title=f"Story {i} about the {rng.choice(WORDS)}",
                      byline="Bench", published="2026-01-01T00:00:00Z", modified=None, lang="en",
                      site_name="Bench", text="\n\n".join(paras), html=html, captured="2026-01-02T03:04:05Z",
                      assets=assets)


def create(path: Path, layout: str, recipient: str) -> Archive:
    return Archive.create(path, None if layout == "plaintext" else NewKeys(recipients=(recipient,)))


Run = tuple[float, float, float]  # CPU seconds (user + system), wall seconds, peak RSS MiB


def measure(cmd: list[str], env: dict[str, str]) -> Run:
    """CPU and wall seconds and peak RSS (MiB) of `cmd`, in a fresh wrapper
    process so that the children's rusage is this command's alone. CPU time
    is the fair figure on a shared, loaded machine; wall time also counts
    fsync waits (both layouts fsync alike)."""
    probe = ("import resource, subprocess, sys, time; t = time.monotonic(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
             "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
             "print(u.ru_utime + u.ru_stime, time.monotonic() - t, u.ru_maxrss);"
             "sys.exit(r.returncode)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    cpu, wall, rss_kib = out.stdout.split()[-3:]
    return float(cpu), float(wall), int(rss_kib) / 1024


def median(runs: list[Run]) -> Run:
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), max(r[2] for r in runs))


def median_of(n: int, cmd: list[str], env: dict[str, str]) -> Run:
    return median([measure(cmd, env) for _ in range(n)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200, help="local pages to add")
    ap.add_argument("--articles", type=int, default=1000, help="articles to pack and unpack")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each quick command (median)")
    args = ap.parse_args()
    mirror = [sys.executable, "-m", "mirror"]

    site = Site()
    for i in range(args.pages):
        site.html(f"http://127.0.0.1/story/{i}",
                  article(f"Local story {i}", paras=6, extra=f'<figure><img src="/img/{i}.png" alt=""></figure>'))
        site.image(f"http://127.0.0.1/img/{i}.png", png(160, 100, (i % 256, 40, 90)))
    port = site.start()
    site.routes = {("127.0.0.1", k[1]): v for k, v in site.routes.items()}

    with tempfile.TemporaryDirectory(prefix="mirror-bench-") as tmp:
        work = Path(tmp)
        identity, recipient = age.generate_identity()
        (work / "key").write_text(identity + "\n")
        (work / "cfg.toml").write_text("[fetch]\nper_host_delay = 0.0\nretries = 0\nallow_private = true\n")
        env = dict(os.environ, MIRROR_CONFIG=str(work / "cfg.toml"), MIRROR_UNLOCK=str(work / "key"))
        (work / "urls.txt").write_text("".join(f"http://127.0.0.1:{port}/story/{i}\n" for i in range(args.pages)))
        rng = random.Random(7)
        stories = [story(i, rng) for i in range(args.articles)]
        results: dict[tuple[str, str], Run] = {}
        for layout in LAYOUTS:
            added, big = work / f"add-{layout}", work / f"big-{layout}"
            create(added, layout, recipient).close()
            with create(big, layout, recipient) as ar:
                for k in range(0, len(stories), 100):
                    ar.save_many(stories[k:k + 100])
                some = ar.ids()[len(stories) // 2]
            on = lambda a: [*mirror, "--archive", str(a)]  # noqa: E731
            results[("add", layout)] = measure([*on(added), "add", "--from-file", str(work / "urls.txt")], env)
            results[("search", layout)] = median_of(args.repeat, [*on(big), "search", "harbour court"], env)
            results[("ls", layout)] = median_of(args.repeat, [*on(big), "ls", "--json"], env)
            results[("show", layout)] = median_of(args.repeat, [*on(big), "show", some, "--format", "html"], env)
            bundle = work / f"{layout}.age"
            results[("pack", layout)] = median_of(
                args.repeat, [*on(big), "pack", "-o", str(bundle), "--force", "--all", "-r", recipient], env)
            runs = []
            for k in range(args.repeat):  # each into an empty archive of its own
                target = work / f"into-{layout}-{k}"
                create(target, layout, recipient).close()
                runs.append(measure([*on(target), "unpack", str(bundle), "-i", str(work / "key")], env))
            results[("unpack", layout)] = median(runs)
    site.stop()

    steps = [("add", f"add {args.pages} local pages"), ("search", "search (2 words)"), ("ls", "ls --json"),
             ("show", "show --format html"), ("pack", f"pack {args.articles} articles"),
             ("unpack", f"unpack {args.articles} articles")]
    print(f"{'work':24} {'CPU plain':>9} {'CPU enc':>8} {'ratio':>6} {'wall plain':>10} {'wall enc':>8} {'ratio':>6}"
          f" {'RSS plain':>9} {'RSS +MiB':>8}")
    for key, label in steps:
        (pc, pw, pr), (ec, ew, er) = results[(key, "plaintext")], results[(key, "encrypted")]
        print(f"{label:24} {pc:9.3f} {ec:8.3f} {ec / pc:6.2f} {pw:10.3f} {ew:8.3f} {ew / pw:6.2f}"
              f" {pr:9.1f} {er - pr:8.1f}")
    print("goal: CPU ratio <= 1.30 and RSS within +20 MiB for each (seconds: medians of --repeat; add runs once)")


if __name__ == "__main__":
    main()
