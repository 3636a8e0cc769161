"""Benchmark `mirror.crypto.age` against the `age` CLI on the same files.

    python bench/crypto.py [--size-mib 512] [--runs 5] [--rss-mib 1024]

Encrypts a random file of --size-mib MiB to one X25519 recipient and decrypts
it, with our implementation and with `age`, alternating which goes first in each
run; prints the median of --runs runs. Every measurement runs in a fresh child
process. Peak RSS per child comes from `/usr/bin/time -f %M` (a small C parent, so
the figure is the child's own); without it, from the child's VmHWM for mirror
(`os.wait4`'s figure would include this script's RSS inherited before exec).

Times: for `age` the child's wall time (its start-up is a few ms); for mirror the
time of the `encrypt`/`decrypt` call inside its child (so Python's own start-up
and imports, ~0.1 s, are excluded and shown separately). Both read and write
real files in the same temporary directory, by default on tmpfs (/dev/shm) so
that disk write-back does not add noise; outputs are deleted before each run. Then, unless --rss-mib 0, our peak RSS for a 1 GiB file once.
Goal (issue 4): decrypt at or above age's speed, encrypt within 1.1x of age's
time, peak RSS < 64 MiB.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0 = time.perf_counter()
from mirror.crypto import age
op, src, dst, key = sys.argv[1:5]
t1 = time.perf_counter()
c1 = cpu()
with open(src, "rb") as s, open(dst, "wb") as d:
    if op == "encrypt":
        age.encrypt(s, d, recipients=[key])
    else:
        age.decrypt(s, d, identities=open(key).read())
t2 = time.perf_counter()
c2 = cpu()
hwm = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
print(t2 - t1, c2 - c1, t1 - t0, hwm)
"""
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_child(argv: list[str], tmp: Path) -> tuple[float, float, int | None, str]:
    """(wall s, CPU s (user + sys), peak RSS in KiB or None, stdout) of one child."""
    rss_file = tmp / "rss"
    if TIME:
        argv = [TIME, "-f", "%M", "-o", str(rss_file), *argv]
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    out = p.stdout.read()  # tiny outputs: reading one pipe then the other cannot block
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    p.stderr.close()
    if p.returncode:
        sys.exit(f"child failed ({p.returncode}): {' '.join(argv)}\n{err.decode(errors='replace')}")
    cpu = usage.ru_utime + usage.ru_stime  # includes /usr/bin/time's child
    rss = int(rss_file.read_text().split()[-1]) if TIME else None
    return wall, cpu, rss, out.decode()


def ours(op: str, src: Path, dst: Path, key: str) -> tuple[float, float, int, float]:
    """(call s, call CPU s, peak RSS KiB, start-up s)."""
    dst.unlink(missing_ok=True)
    _, _, rss, out = run_child([sys.executable, "-c", CHILD, op, str(src), str(dst), key], src.parent)
    call, cpu, startup, hwm = out.split()
    return float(call), float(cpu), rss or int(hwm), float(startup)


def theirs(op: str, src: Path, dst: Path, key: str) -> tuple[float, float, int | None]:
    """(wall s, CPU s, peak RSS KiB or None) of the whole age process."""
    dst.unlink(missing_ok=True)
    if op == "encrypt":
        argv = ["age", "-r", key, "-o", str(dst), str(src)]
    else:
        argv = ["age", "-d", "-i", key, "-o", str(dst), str(src)]
    wall, cpu, rss, _ = run_child(argv, src.parent)
    return wall, cpu, rss


def make_file(path: Path, size: int) -> str:
    h = hashlib.sha256()
    block = 4 << 20
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(block, left))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return h.hexdigest()


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 << 20):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mib", type=int, default=512)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rss-mib", type=int, default=1024, help="size for the peak-RSS check (0: skip)")
    ap.add_argument("--dir", help="where to put the temporary files (default: /dev/shm if it has "
                    "room, else the system temp dir)")
    args = ap.parse_args()
    if not shutil.which("age"):
        sys.exit("the age CLI is not installed (apt-get install age)")
    sys.path.insert(0, str(ROOT))
    from mirror.crypto import age

    age_version = subprocess.run(["age", "--version"], capture_output=True, text=True).stdout.strip()
    where = args.dir
    need = (3 * args.size_mib + 3 * args.rss_mib + 64) << 20
    if where is None and os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > need:
        where = "/dev/shm"
    tmp = Path(tempfile.mkdtemp(prefix="mirror-bench-crypto-", dir=where))
    try:
        identity, recipient = age.generate_identity()
        key = tmp / "identity.txt"
        key.write_text(identity + "\n")
        size = args.size_mib << 20
        pt = tmp / "plain.bin"
        digest = make_file(pt, size)
        ct = tmp / "cipher.age"
        out = tmp / "out"
        theirs("encrypt", pt, ct, recipient)  # the shared ciphertext both decrypt

        # Correctness once each way before timing.
        ours("decrypt", ct, out, str(key))
        assert sha256(out) == digest, "mirror failed to decrypt age's file"
        ours("encrypt", pt, tmp / "ours.age", recipient)
        theirs("decrypt", tmp / "ours.age", out, str(key))
        assert sha256(out) == digest, "age failed to decrypt mirror's file"

        load_before = os.getloadavg()
        res: dict[tuple[str, str], list[float]] = {}
        cpus: dict[tuple[str, str], list[float]] = {}
        rss: dict[tuple[str, str], int] = {}
        startup: list[float] = []
        for run in range(args.runs):
            for op in ("encrypt", "decrypt"):
                src = pt if op == "encrypt" else ct
                k = recipient if op == "encrypt" else str(key)
                order = ("mirror", "age") if run % 2 == 0 else ("age", "mirror")
                for impl in order:
                    if impl == "mirror":
                        t, c, r, s = ours(op, src, out, k)
                        startup.append(s)
                    else:
                        t, c, r = theirs(op, src, out, k)
                    res.setdefault((op, impl), []).append(t)
                    cpus.setdefault((op, impl), []).append(c)
                    rss[(op, impl)] = max(rss.get((op, impl), 0), r or 0)
        load_after = os.getloadavg()

        mb = size / 1e6
        print(f"\nage v1, X25519, {args.size_mib} MiB in {tmp.parent}, median of {args.runs} "
              f"(alternating); age {age_version} vs mirror (Python {sys.version.split()[0]})")
        print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
              f"{os.cpu_count()} CPUs\n")
        print("| op      | impl   | median s |  MB/s | min s | max s | time/age | CPU s | CPU/age | peak RSS  |")
        print("|---------|--------|----------|-------|-------|-------|----------|-------|---------|-----------|")
        for op in ("encrypt", "decrypt"):
            base = statistics.median(res[(op, "age")])
            cbase = statistics.median(cpus[(op, "age")])
            for impl in ("mirror", "age"):
                ts = res[(op, impl)]
                med = statistics.median(ts)
                cmed = statistics.median(cpus[(op, impl)])
                peak = f"{rss[(op, impl)] / 1024:.1f} MiB" if rss[(op, impl)] else "n/a"
                print(f"| {op:7} | {impl:6} | {med:8.3f} | {mb / med:5.0f} | {min(ts):5.3f} | "
                      f"{max(ts):5.3f} | {med / base:7.2f}x | {cmed:5.3f} | {cmed / cbase:6.2f}x | "
                      f"{peak:>9} |")
        print(f"\nmirror: time and CPU of the encrypt/decrypt call; its Python start-up + imports "
              f"(excluded) median {statistics.median(startup):.3f} s. age: the whole process.")

        if args.rss_mib:
            for f in (pt, ct, out, tmp / "ours.age"):
                f.unlink(missing_ok=True)
            big = tmp / "big.bin"
            make_file(big, args.rss_mib << 20)
            t_e, _, r_e, _ = ours("encrypt", big, ct, recipient)
            t_d, _, r_d, _ = ours("decrypt", ct, out, str(key))
            ok = out.stat().st_size == big.stat().st_size
            print(f"\npeak RSS with {args.rss_mib} MiB, mirror, one run each: "
                  f"encrypt {r_e / 1024:.1f} MiB ({t_e:.2f} s), decrypt {r_d / 1024:.1f} MiB "
                  f"({t_d:.2f} s){'' if ok else '  SIZE MISMATCH'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
