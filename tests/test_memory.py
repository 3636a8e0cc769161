"""A long command's C heap gives large blocks back when they are freed
(`mirror.memory`): without it glibc keeps each hole a freed page leaves, and
an import of 100,000 articles grew by tens of MiB of free heap."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from mirror import memory

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"

# Pages read and let go, each a little larger than the last, with something
# small that lives on allocated after each: the pattern of an import.
PATTERN = textwrap.dedent("""
    import ctypes, sys
    from mirror import memory
    if sys.argv[1] == "bounded":
        assert memory.bounded_heap()
    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = Info
    big = bytearray(4 << 20)
    del big  # one large block freed: glibc then raises its threshold past it
    kept = []
    for i in range(400):
        page = bytes((100 << 10) + i * 4096)
        kept.append(bytes(2000 + i))
        del page
    print(libc.mallinfo2().fordblks)
""")


def _free_heap(mode: str) -> int:
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(memory.__file__))}
    out = subprocess.run([sys.executable, "-c", PATTERN, mode], capture_output=True, text=True, env=env, check=True)
    return int(out.stdout)


@pytest.mark.skipif(not GLIBC and not os.environ.get("CI"), reason="the heap policy is glibc's")
def test_freed_pages_leave_no_resident_holes_in_the_heap():
    plain, bounded = _free_heap("plain"), _free_heap("bounded")
    assert plain > 1 << 20  # glibc alone keeps more than a MiB of holes here
    assert bounded < plain // 8


HOLES = textwrap.dedent("""
    from mirror import memory
    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096
    blocks, kept = [], []
    for i in range(2000):
        blocks.append(bytes(20000))  # texts and pages: below any mmap threshold
        kept.append(bytes(600))  # what lives on between them
    del blocks
    before = rss()
    assert memory.release()
    print(before - rss())
""")


@pytest.mark.skipif(not GLIBC and not os.environ.get("CI"), reason="the heap policy is glibc's")
def test_release_gives_the_holes_back():
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(memory.__file__))}
    out = subprocess.run([sys.executable, "-c", HOLES], capture_output=True, text=True, env=env, check=True)
    assert int(out.stdout) > 20 << 20  # of the 40 MB of holes, most go back


@pytest.mark.parametrize("args, expected", [
    (["pack", "-o", "x.age", "--all", "-r", "age1x"], 1),
    (["unpack", "x.age", "-i", "key.txt"], 1),
    (["export-site", "out", "--all"], 1),
    (["ls"], 0),  # a short command leaves the process as it found it
])
def test_the_commands_that_walk_everything_set_it(tmp_path, monkeypatch, args, expected):
    from click.testing import CliRunner

    from mirror.cli import cli

    calls = []
    monkeypatch.setattr(memory, "bounded_heap", lambda: calls.append(1) or True)
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(cli, ["--archive", str(tmp_path / "none"), *args])
    assert len(calls) == expected


def test_elsewhere_it_changes_nothing(monkeypatch):
    memory._glibc.cache_clear()  # (the C library is looked up once a process)
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert memory.bounded_heap() is False
        assert memory.release() is False
    finally:
        memory._glibc.cache_clear()
