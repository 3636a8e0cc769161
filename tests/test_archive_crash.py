"""Crash safety and concurrent use of the archive, with real processes."""

import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_mirror, open_archive
from mirror.model import content_hash

WRITER = [sys.executable, str(Path(__file__).with_name("archive_writer.py"))]


def check_archive(root: Path, log: Path) -> int:
    with open_archive(root) as ar:
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
        err = tmp_path / f"writer-{round_}.err"
        with open(err, "wb") as stderr:
            proc = subprocess.Popen(WRITER + [str(root), str(log), f"r{round_ % 5}", "10000"], stderr=stderr)
        # Kill at a random moment after the writer acknowledged its first write
        # of the round (however slow a loaded machine makes its start-up).
        before = _acked(log)
        deadline = time.monotonic() + 60
        while _acked(log) == before and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.4))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        # 10,000 writes never finish so soon: a writer that exited by itself failed.
        assert proc.returncode == -signal.SIGKILL, err.read_text()[-2000:]
        check_archive(root, log)
    assert kills >= 20
    assert check_archive(root, log) > 20


def _acked(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if line.strip()) if log.exists() else 0


def _numbers(summaries) -> list[int]:
    """The writer's article numbers (it saves .../c/0, .../c/1, ... in order)."""
    return sorted(int(s.url.rsplit("/", 1)[1]) for s in summaries)


@pytest.mark.slow
def test_ls_and_search_while_another_process_writes(tmp_path):
    """Readers never see a half-written article, whatever the interleaving: each
    listing is a prefix of the writer's sequence that holds every write acknowledged
    before it was taken, every listed article reads back whole (blob included), a
    later read never shows fewer, and at the end the count is the acknowledged one."""
    root, log = tmp_path / "archive", tmp_path / "acked.log"
    open_archive(root).close()
    writer = subprocess.Popen(WRITER + [str(root), str(log), "c", "150"])
    last = 0
    try:
        while True:  # at least one reading, however fast the writer is
            done = writer.poll() is not None
            acked = _acked(log)
            with open_archive(root) as ar:
                listed = ar.list()
                found = ar.search("harbour")  # a later snapshot than `listed`
                nums = _numbers(listed)
                assert nums == list(range(len(nums)))  # a prefix: no gap, nothing half there
                assert acked <= len(nums)  # every acknowledged write is visible
                assert last <= len(nums)  # never fewer than an earlier read
                assert _numbers(found) == list(range(len(found))) and len(found) >= len(nums)
                for s in listed:
                    art = ar.get(s.id)
                    for a in art.assets:
                        assert hashlib.sha256(ar.read_blob(a.sha256)).hexdigest() == a.sha256
            last = len(found)
            out = run_mirror("ls", "--json", archive=root)
            assert out.returncode == 0, out.stderr
            via_cli = len(json.loads(out.stdout))
            assert via_cli >= last
            last = via_cli
            if done:
                break
    finally:
        writer.wait(timeout=600)
    assert writer.returncode == 0
    with open_archive(root) as ar:
        assert len(ar.list()) == _acked(log) == 150
