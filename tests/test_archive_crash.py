"""Crash safety and concurrent use of the archive, with real processes."""

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_mirror
from mirror.archive import Archive
from mirror.model import content_hash

WRITER = [sys.executable, str(Path(__file__).with_name("archive_writer.py"))]


def check_archive(root: Path, log: Path) -> int:
    with Archive.open(root) as ar:
        assert ar.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert ar.integrity() == []  # no row points at a missing blob
        acked = [line.split() for line in log.read_text().splitlines() if line.strip()]
        for aid, chash in acked:
            assert ar.has_content(aid, chash), f"acknowledged write {aid} lost"
            art = ar.get(aid)
            assert content_hash(art.url, art.title, art.byline, art.published, art.modified, art.lang,
                                art.site_name, art.text, art.html, [a.sha256 for a in art.assets]) == chash
            for a in art.assets:
                assert hashlib.sha256(ar.read_blob(a.sha256)).hexdigest() == a.sha256
        return len(acked)


@pytest.mark.slow
def test_sigkill_during_writes_loses_nothing_acknowledged(tmp_path):
    root, log = tmp_path / "archive", tmp_path / "acked.log"
    log.touch()
    rng = random.Random(1234)
    kills = 0
    for round_ in range(22):
        proc = subprocess.Popen(WRITER + [str(root), str(log), f"r{round_ % 5}", "10000"])
        time.sleep(rng.uniform(0.15, 0.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        check_archive(root, log)
    assert kills >= 20
    assert check_archive(root, log) > 20


@pytest.mark.slow
def test_ls_and_search_while_another_process_writes(tmp_path):
    root, log = tmp_path / "archive", tmp_path / "acked.log"
    Archive.open(root).close()
    writer = subprocess.Popen(WRITER + [str(root), str(log), "c", "150"])
    seen = []
    try:
        deadline = time.time() + 60
        while writer.poll() is None and time.time() < deadline:
            with Archive.open(root) as ar:
                listed = ar.list()
                found = ar.search("harbour")
            assert len(found) <= len(listed) + 1  # a write may land between the two reads
            seen.append(len(listed))
            out = run_mirror("ls", "--json", archive=root, timeout=30)
            assert out.returncode == 0, out.stderr
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert seen == sorted(seen) and len(seen) >= 3
    with Archive.open(root) as ar:
        assert len(ar.list()) == 150
