"""`mirror verify PATH...`: every bundle in files and folders checked in one
go, a line each, the worst result as the exit code, no archive touched."""

from __future__ import annotations

import json

import pytest

from bundleutil import make_archive
from conftest import run_mirror
from mirror.crypto import age


@pytest.fixture
def stick(tmp_path):
    """A folder as a USB stick holds it: two good bundles (one in a subfolder,
    one a self-decrypting page), notes and photos beside them."""
    a = tmp_path / "archive"
    make_archive(a, 2)
    identity, recipient = age.generate_identity()
    key = tmp_path / "age.key"
    key.write_text(identity + "\n")
    pw = tmp_path / "pw"
    pw.write_text("correct horse battery staple\n")
    s = tmp_path / "stick"
    (s / "news").mkdir(parents=True)
    assert run_mirror("pack", "-o", s / "news" / "week.age", "--all", "-r", recipient, archive=a).returncode == 0
    assert run_mirror("pack", "-o", s / "week.html", "--all", "--format", "html", "--passphrase-file", pw,
                      archive=a).returncode == 0
    (s / "notes.txt").write_text("not a bundle\n")
    (s / "page.html").write_text("<!doctype html><html><body>a saved page</body></html>")
    return tmp_path, s, key, pw


def test_verify_checks_every_bundle_of_a_folder(stick):
    tmp, s, key, pw = stick
    r = run_mirror("verify", s, "-i", key, "--passphrase-file", pw, archive=tmp / "none")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [x.split()[:2] for x in lines] == [["ok", str(s / "week.html")], ["ok", str(s / "news" / "week.age")]]
    assert all("2 article(s)" in x for x in lines)
    assert not (tmp / "none").exists()  # verifying opens and makes no archive


def test_verify_exit_code_is_the_worst(stick):
    tmp, s, key, pw = stick
    good = s / "news" / "week.age"
    tampered = s / "tampered.age"
    data = bytearray(good.read_bytes())
    data[-40] ^= 1
    tampered.write_bytes(bytes(data))
    r = run_mirror("verify", s, "-i", key, "--passphrase-file", pw, "--json", archive=tmp / "none")
    assert r.returncode == 2, r.stderr
    got = {x["path"]: x for x in json.loads(r.stdout)}
    assert got[str(good)]["ok"] is True and got[str(s / "week.html")]["ok"] is True
    assert got[str(tampered)]["ok"] is False and got[str(tampered)]["error"]
    assert r.stderr.strip().splitlines()[-1] == "mirror: error: 1 of 3 bundle(s) failed"

    # A file named on the command line is checked even if it is no bundle (a folder scan skips it).
    r = run_mirror("verify", good, s / "notes.txt", "-i", key, archive=tmp / "none")
    assert r.returncode == 2, r.stderr
    assert "not an age file or a mirror bundle" in r.stdout
    assert r.stdout.splitlines()[0].startswith(f"ok    {good}")
    assert r.stdout.splitlines()[1].startswith(f"FAIL  {s / 'notes.txt'}")


def test_verify_usage_errors(stick):
    tmp, s, key, pw = stick
    r = run_mirror("verify", tmp / "missing", "-i", key, archive=tmp / "none")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no such file or folder" in r.stderr
    (tmp / "empty").mkdir()
    r = run_mirror("verify", tmp / "empty", "-i", key, archive=tmp / "none")
    assert r.returncode == 1 and "no bundle found" in r.stderr
    r = run_mirror("verify", s, archive=tmp / "none", input="")
    assert r.returncode == 1 and "no key given" in r.stderr
