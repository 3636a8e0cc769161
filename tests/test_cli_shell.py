"""The CLI fits the shell: dates checked as dates, no silent overwrite, `-`
for stdout, signing keys that come with their `.pub`, and `keygen -y`."""

from __future__ import annotations

import pytest

from bundleutil import make_archive, new_version
from conftest import run_mirror
from mirror.archive import Archive
from mirror.crypto import age


@pytest.fixture
def env(tmp_path):
    """An archive of two articles (captured in March and in May) and an age key pair."""
    a = tmp_path / "archive"
    make_archive(a, 1)
    with Archive.open(a) as ar:
        ar.save(new_version(5, title="Flooding in the delta", captured="2026-05-01T00:00:00Z"))
    identity, recipient = age.generate_identity()
    key = tmp_path / "age.key"
    key.write_text(identity + "\n")
    return tmp_path, a, key, recipient


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-13-01", "2026-04-31x", "yesterday"])
def test_since_refuses_an_impossible_date(env, bad):
    tmp, a, key, rcp = env
    out = tmp / "b.age"
    r = run_mirror("pack", "-o", str(out), "--since", bad, "-r", rcp, archive=a)
    assert r.returncode == 1, r.stderr
    assert r.stderr.count("\n") == 1 and "--since" in r.stderr and bad in r.stderr
    assert not out.exists()
    fresh = tmp / "never-made"  # refused before any archive is opened (or created)
    assert run_mirror("pack", "-o", str(out), "--since", bad, "-r", rcp, archive=fresh).returncode == 1
    assert not fresh.exists()


def test_since_keeps_what_was_captured_on_or_after_the_day(env):
    tmp, a, key, rcp = env
    out = tmp / "b.age"
    r = run_mirror("pack", "-o", str(out), "--since", "2026-05-01", "-r", rcp, archive=a)
    assert r.returncode == 0, r.stderr
    r = run_mirror("inspect", str(out), "-i", str(key), archive=tmp / "B")
    assert r.returncode == 0, r.stderr
    assert "Flooding in the delta" in r.stdout and "Story number 0" not in r.stdout
