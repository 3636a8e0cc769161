"""pack, unpack and export-site show a progress bar on a terminal, and
write none into a log or a pipe."""

from __future__ import annotations

import pytest

from bundleutil import make_archive
from conftest import ensure_archive, mirror_argv, run_mirror

FULL = "[" + "#" * 28 + "]"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("progress")
    make_archive(ensure_archive(tmp / "A"), 3)
    (tmp / "pass").write_text("correct horse battery staple\n")
    return tmp


def _on_terminal(*args, archive) -> str:
    pexpect = pytest.importorskip("pexpect")
    exe, *argv = mirror_argv(*args, archive=archive)
    child = pexpect.spawn(exe, argv, encoding="utf-8", timeout=120)
    out = child.read()
    child.close()
    assert child.exitstatus == 0, out
    return out


def _commands(world, tag: str) -> list[tuple[tuple[str, ...], str]]:
    bundle = world / f"{tag}.age"
    return [(("pack", "-o", str(bundle), "--all", "--passphrase-file", str(world / "pass")), "A"),
            (("unpack", str(bundle), "--passphrase-file", str(world / "pass")), f"U{tag}"),
            (("export-site", str(world / f"site-{tag}"), "--all"), "A")]


def test_progress_on_a_terminal(world):
    for args, archive in _commands(world, "tty"):
        out = _on_terminal(*args, archive=ensure_archive(world / archive))
        assert "3/3" in out and FULL in out, (args[0], out)


def test_no_progress_off_a_terminal(world):
    for args, archive in _commands(world, "pipe"):
        r = run_mirror(*args, archive=world / archive)
        assert r.returncode == 0, r.stderr
        assert "\r" not in r.stderr and "\x1b" not in r.stderr and "3/3" not in r.stderr, (args[0], r.stderr)
