"""Bundle benchmark: pack and unpack N generated articles with images,
next to the same site bytes through the `zip` + `age` command-line tools.

    .venv/bin/python bench/bundle.py [--articles 1000] [--image-kb 250] [--images 2]

Each measured step runs as its own process; the table shows wall seconds and
the child's peak RSS (ru_maxrss). Images are random bytes behind a JPEG
signature: incompressible, like real photos. Goal (issue 5): mirror within
1.5x of the CLI pipeline's time, peak RSS under 150 MiB.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mirror.store import Archive  # noqa: E402
from mirror.model import Asset, NewVersion  # noqa: E402

MIRROR = str(ROOT / ".venv" / "bin" / "mirror")
WORDS = ("river delta ferry council budget harvest school clinic border market election "
         "drought festival court bridge strike archive minister village storm").split()


def fake_jpeg(rng: random.Random, size: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + rng.randbytes(size - 4)


def article(i: int, rng: random.Random, images: int, image_bytes: int) -> NewVersion:
    assets = []
    for k in range(images):
        data = fake_jpeg(rng, image_bytes)
        sha = hashlib.sha256(data).hexdigest()
        assets.append((Asset(f"{sha[:16]}.jpg", sha, "image/jpeg", len(data)), data))
    paras = [" ".join(rng.choice(WORDS) for _ in range(80)) for _ in range(8)]
    html = "".join(f"<p>{p}</p>" for p in paras[:4])
    html += "".join(f'<figure><img src="assets/{a.name}" alt=""></figure>' for a, _ in assets)
    html += "".join(f"<p>{p}</p>" for p in paras[4:])
    return NewVersion(url=f"https://news.example.org/{i}", title=f"Generated story {i}", byline="Bench",
                      published="2026-01-01T00:00:00Z", modified=None, lang="en", site_name="Bench",
                      text="\n\n".join(paras), html=html, captured="2026-01-02T03:04:05Z", assets=assets)


def build_archive(path: Path, n: int, images: int, image_bytes: int) -> None:
    rng = random.Random(5)
    with Archive.create(path, None) as ar:  # plaintext: bench/archive_crypto.py measures encryption
        batch = []
        for i in range(n):
            batch.append(article(i, rng, images, image_bytes))
            if len(batch) == 50:
                ar.save_many(batch)
                batch = []
        if batch:
            ar.save_many(batch)


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `cmd`, run in a fresh wrapper process
    so that ru_maxrss is this command's alone."""
    probe = ("import resource, subprocess, sys, time; t = time.monotonic(); "
             "r = subprocess.run(sys.argv[1:], env=dict(__import__('os').environ, MIRROR_CONFIG='/dev/null'));"
             "print(time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
             "sys.exit(r.returncode)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    secs, rss_kib = out.stdout.split()[-2:]
    return float(secs), int(rss_kib) / 1024


def du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--images", type=int, default=2, help="images per article")
    ap.add_argument("--image-kb", type=int, default=250, help="size of each image")
    ap.add_argument("--dir", help="work here (default: a temp dir, removed at the end)")
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="mirror-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t = time.monotonic()
        build_archive(work / "A", args.articles, args.images, args.image_kb * 1024)
        print(f"archive: {args.articles} articles x {args.images} images x {args.image_kb} KiB, "
              f"{du(work / 'A') / 2**20:.0f} MiB on disk, built in {time.monotonic() - t:.1f} s")
        subprocess.run(["age-keygen", "-o", str(work / "key")], check=True, capture_output=True)
        rcp = subprocess.run(["age-keygen", "-y", str(work / "key")], check=True, capture_output=True,
                             text=True).stdout.strip()
        a = ["--archive", str(work / "A")]
        subprocess.run([MIRROR, *a, "export-site", str(work / "site"), "--all"], check=True,
                       capture_output=True, env=dict(os.environ, MIRROR_CONFIG="/dev/null"))
        rows = []
        rows.append(("mirror pack", *measure([MIRROR, *a, "pack", "-o", str(work / "b.age"), "--all", "-r", rcp])))
        subprocess.run([MIRROR, "--archive", str(work / "B"), "init", "--plaintext"], check=True, capture_output=True)
        rows.append(("mirror unpack", *measure([MIRROR, "--archive", str(work / "B"), "unpack",
                                                str(work / "b.age"), "-i", str(work / "key")])))
        rows.append(("zip -r", *measure(["zip", "-q", "-r", "-X", str(work / "site.zip"), "."], cwd=work / "site")))
        rows.append(("age -r", *measure(["age", "-r", rcp, "-o", str(work / "site.age"), str(work / "site.zip")])))
        rows.append(("age -d", *measure(["age", "-d", "-i", str(work / "key"), "-o", str(work / "out.zip"),
                                         str(work / "site.age")])))
        rows.append(("unzip", *measure(["unzip", "-q", str(work / "out.zip"), "-d", str(work / "out")])))
        print(f"site: {du(work / 'site') / 2**20:.0f} MiB; mirror bundle {du(work / 'b.age') / 2**20:.0f} MiB "
              f"(padded); zip+age bundle {du(work / 'site.age') / 2**20:.0f} MiB")
        print(f"{'step':16} {'seconds':>8} {'peak RSS MiB':>13}")
        for name, secs, rss in rows:
            print(f"{name:16} {secs:8.2f} {rss:13.1f}")
        d = dict((r[0], r[1:]) for r in rows)
        pack_cli = d["zip -r"][0] + d["age -r"][0]
        unpack_cli = d["age -d"][0] + d["unzip"][0]
        print(f"pack:   mirror {d['mirror pack'][0]:.2f} s vs zip+age {pack_cli:.2f} s "
              f"= {d['mirror pack'][0] / pack_cli:.2f}x")
        print(f"unpack: mirror {d['mirror unpack'][0]:.2f} s (decrypt+verify+import) vs age -d+unzip "
              f"{unpack_cli:.2f} s = {d['mirror unpack'][0] / unpack_cli:.2f}x")
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
