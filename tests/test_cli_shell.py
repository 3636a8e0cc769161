"""The CLI fits the shell: dates checked as dates, no silent overwrite, `-`
for stdout, signing keys that come with their `.pub`, and `keygen -y`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile

import pytest

from bundleutil import make_archive, new_version
from conftest import needs_tools, run_mirror, open_archive
from mirror.crypto import age


@pytest.fixture
def env(tmp_path):
    """An archive of two articles (captured in March and in May) and an age key pair."""
    a = tmp_path / "archive"
    make_archive(a, 1)
    with open_archive(a) as ar:
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
    assert run_mirror("pack", "-o", str(out), "--since", bad, "-r", rcp, archive=fresh, init=False).returncode == 1
    assert not fresh.exists()


def test_since_keeps_what_was_captured_on_or_after_the_day(env):
    tmp, a, key, rcp = env
    out = tmp / "b.age"
    r = run_mirror("pack", "-o", str(out), "--since", "2026-05-01", "-r", rcp, archive=a)
    assert r.returncode == 0, r.stderr
    r = run_mirror("inspect", str(out), "-i", str(key), archive=tmp / "B")
    assert r.returncode == 0, r.stderr
    assert "Flooding in the delta" in r.stdout and "Story number 0" not in r.stdout


def no_temp_left(folder) -> bool:
    return not [p for p in os.listdir(folder) if p.startswith(".")]


def test_pack_keeps_an_existing_file_unless_forced(env):
    tmp, a, key, rcp = env
    out = tmp / "b.age"
    out.write_bytes(b"someone else's file\n")
    r = run_mirror("pack", "-o", str(out), "--all", "-r", rcp, archive=a)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert str(out) in r.stderr and "--force" in r.stderr
    assert out.read_bytes() == b"someone else's file\n" and no_temp_left(tmp)
    os.link(out, tmp / "old-link")  # an in-place rewrite would change this one too
    r = run_mirror("pack", "-o", str(out), "--all", "-r", rcp, "--force", archive=a)
    assert r.returncode == 0, r.stderr
    assert (tmp / "old-link").read_bytes() == b"someone else's file\n"  # replaced by a rename
    assert out.read_bytes().startswith(b"age-encryption.org/v1\n") and no_temp_left(tmp)
    r = run_mirror("inspect", str(out), "-i", str(key), "--json", archive=tmp / "B")
    assert r.returncode == 0 and len(json.loads(r.stdout)["articles"]) == 2, r.stderr


def test_pack_html_keeps_an_existing_file_too(env):
    tmp, a, key, rcp = env
    (tmp / "pw").write_text("correct horse battery staple river\n")
    out = tmp / "b.html"
    out.write_text("keep me")
    r = run_mirror("pack", "-o", str(out), "--all", "--format", "html", "--passphrase-file", str(tmp / "pw"),
                   archive=a)
    assert r.returncode == 1 and str(out) in r.stderr and out.read_text() == "keep me"


def test_pack_to_stdout_writes_the_bundle_there_and_no_file_named_dash(env):
    tmp, a, key, rcp = env
    work = tmp / "cwd"
    work.mkdir()
    r = run_mirror("pack", "-o", "-", "--all", "-r", rcp, archive=a, text=False, wrap=("env", "-C", str(work)))
    assert r.returncode == 0, r.stderr
    assert os.listdir(work) == [] and b"standard output" in r.stderr
    assert r.stdout.startswith(b"age-encryption.org/v1\n")
    plain = io.BytesIO()
    age.decrypt(io.BytesIO(r.stdout), plain, identities=key.read_text())
    names = zipfile.ZipFile(plain).namelist()
    assert "manifest.json" in names and "index.html" in names
    (tmp / "piped.age").write_bytes(r.stdout)  # what `mirror pack -o - > F` leaves is a whole bundle
    r = run_mirror("inspect", str(tmp / "piped.age"), "-i", str(key), "--json", archive=tmp / "B")
    titles = {x["title"] for x in json.loads(r.stdout)["articles"]}
    assert titles == {"Story number 0", "Flooding in the delta"}


def test_pack_armored_to_stdout(env):
    tmp, a, key, rcp = env
    r = run_mirror("pack", "-o", "-", "--armor", "--all", "-r", rcp, archive=a)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("-----BEGIN AGE ENCRYPTED FILE-----")
    plain = io.BytesIO()
    age.decrypt(io.BytesIO(r.stdout.encode()), plain, identities=key.read_text())
    assert "manifest.json" in zipfile.ZipFile(plain).namelist()


def printed(r, label: str) -> str:
    return next(x.split()[-1] for x in r.stdout.splitlines() if x.startswith(label))


def test_keygen_signing_writes_pub_and_trust_takes_the_file_or_the_string(env):
    tmp, a, key, rcp = env
    r = run_mirror("keygen", "--signing", "-o", str(tmp / "sign.key"))
    assert r.returncode == 0, r.stderr
    pub, fp = printed(r, "Public key:"), printed(r, "Fingerprint:")
    assert pub.startswith("ed25519:")
    assert (tmp / "sign.key.pub").read_text() == pub + "\n"
    assert "MIRROR-ED25519-SECRET" not in (tmp / "sign.key.pub").read_text()
    b = tmp / "b.age"
    assert run_mirror("pack", "-o", str(b), "--all", "-r", rcp, "--sign-key", str(tmp / "sign.key"),
                      archive=a).returncode == 0
    for trust in (str(tmp / "sign.key.pub"), pub):
        r = run_mirror("inspect", str(b), "-i", str(key), "--trust", trust, "--json", archive=tmp / "B")
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)
        assert rep["trusted"] is True and rep["signature"] == f"signed by trusted key {fp}"
    other = run_mirror("keygen", "--signing", "-o", str(tmp / "other.key"))
    r = run_mirror("unpack", str(b), "-i", str(key), "--trust", printed(other, "Public key:"), archive=tmp / "B")
    assert r.returncode == 2 and "not signed by a key given with --trust" in r.stderr
    r = run_mirror("unpack", str(b), "-i", str(key), "--trust", "ed25519:notbase64!", archive=tmp / "B")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "--trust" in r.stderr, r.stderr
    with open_archive(tmp / "B") as B:
        assert B.ids() == []


def test_keygen_signing_refuses_an_existing_pub_and_writes_nothing(tmp_path):
    (tmp_path / "k.pub").write_text("ed25519:someone else's\n")
    r = run_mirror("keygen", "--signing", "-o", str(tmp_path / "k"))
    assert r.returncode == 1 and "k.pub" in r.stderr and r.stderr.count("\n") == 1
    assert sorted(os.listdir(tmp_path)) == ["k.pub"]
    assert (tmp_path / "k.pub").read_text() == "ed25519:someone else's\n"


@pytest.mark.parametrize("pq", [False, True])
def test_keygen_y_prints_the_recipient_of_an_identity(tmp_path, pq):
    key = tmp_path / "age.key"
    made = run_mirror("keygen", "-o", str(key), *(["--pq"] if pq else []))
    assert made.returncode == 0, made.stderr
    recipient = made.stdout.strip()
    r = run_mirror("keygen", "-y", str(key))
    assert r.returncode == 0 and r.stdout == recipient + "\n", r.stderr
    r = run_mirror("keygen", "-y", "-", input=key.read_text())
    assert r.returncode == 0 and r.stdout == recipient + "\n", r.stderr


def test_keygen_y_prints_a_signing_keys_public_key(tmp_path):
    made = run_mirror("keygen", "--signing", "-o", str(tmp_path / "s.key"))
    r = run_mirror("keygen", "-y", str(tmp_path / "s.key"))
    assert r.returncode == 0 and r.stdout == printed(made, "Public key:") + "\n", r.stderr
    assert r.stdout == (tmp_path / "s.key.pub").read_text()


@needs_tools("age-keygen")
def test_keygen_y_agrees_with_age_keygen(tmp_path):
    key = tmp_path / "age.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    theirs = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True, text=True).stdout
    assert run_mirror("keygen", "-y", str(key)).stdout == theirs


def test_keygen_y_refuses_public_keys_and_junk(tmp_path):
    made = run_mirror("keygen", "--signing", "-o", str(tmp_path / "s.key"))
    (tmp_path / "rcpt").write_text(age.generate_identity()[1] + "\n")
    (tmp_path / "junk").write_text("hello\n")
    for name, words in (("s.key.pub", "public key"), ("rcpt", "public key"), ("junk", "not an age identity"),
                        ("missing", "cannot read")):
        r = run_mirror("keygen", "-y", str(tmp_path / name))
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and words in r.stderr, (name, r.stderr)
        assert r.stdout == "" and "Traceback" not in r.stderr
    r = run_mirror("keygen", "-y", str(tmp_path / "s.key"), "-o", str(tmp_path / "x"))
    assert r.returncode == 1 and not (tmp_path / "x").exists()
    assert made.returncode == 0


def test_unpack_dash_reads_the_bundle_from_stdin(env):
    tmp, a, key, rcp = env
    b = tmp / "b.age"
    assert run_mirror("pack", "-o", str(b), "--all", "-r", rcp, archive=a).returncode == 0
    r = run_mirror("unpack", "-", "-i", str(key), "--json", archive=tmp / "B", input=b.read_bytes(), text=False)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == 2
    r = run_mirror("inspect", "-", archive=tmp / "C", input=b.read_bytes(), text=False)
    assert r.returncode == 1 and b"-i IDENTITY" in r.stderr and not (tmp / "C").exists()


@pytest.mark.parametrize("where", ["new/deeper", "empty"])
def test_a_refused_unpack_leaves_no_new_archive(env, where):
    tmp, a, key, rcp = env
    b = tmp / "b.age"
    assert run_mirror("pack", "-o", str(b), "--all", "-r", rcp, archive=a).returncode == 0
    other = tmp / "other.key"
    other.write_text(age.generate_identity()[0] + "\n")
    (tmp / "empty").mkdir()
    target = tmp / where
    r = run_mirror("unpack", str(b), "-i", str(other), archive=target, init=False)
    assert r.returncode != 0 and r.stderr.count("\n") == 1, r.stderr
    if where == "empty":
        assert os.listdir(target) == []
    else:
        assert not (tmp / "new").exists()
    assert run_mirror("unpack", str(b), "-i", str(key), archive=target).returncode == 0  # the right key works


def test_not_html_is_an_input_error_not_a_network_one(tmp_path):
    from sitekit import Reply, Site

    site = Site()
    site.add("http://*/file.pdf", Reply(b"%PDF-1.4", content_type="application/pdf"))
    port = site.start()
    try:
        cfg = tmp_path / "c.toml"
        cfg.write_text("[fetch]\nallow_private = true\nper_host_delay = 0.0\nretries = 0\n")
        r = run_mirror("add", f"http://127.0.0.1:{port}/file.pdf", config=cfg, archive=tmp_path / "ar")
    finally:
        site.stop()
    assert r.returncode == 1 and "not HTML (application/pdf)" in r.stderr, r.stderr


def test_tor_not_running_is_named(tmp_path):
    import socket

    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 9050)) == 0:
            pytest.skip("something listens on 127.0.0.1:9050")
    cfg = tmp_path / "c.toml"
    cfg.write_text("[fetch]\nretries = 0\ntimeout = 3\n")
    r = run_mirror("add", "--tor", "https://outlet.example/story", config=cfg, archive=tmp_path / "ar")
    assert r.returncode == 3, r.stderr
    first = r.stderr.splitlines()[0]
    assert "proxy failed (connection refused): is Tor running?" in first and "9050" in first and "9150" in first


@pytest.mark.parametrize("name,why", [("news:today.age", "':'"), ("what?.age", "'?'"), ("news.age.", "a dot"),
                                      ("CON.age", "reserved device name"), ('a"b.age', "'\"'")])
def test_pack_refuses_a_name_a_usb_stick_refuses_up_front(env, name, why):
    tmp, a, key, rcp = env
    r = run_mirror("pack", "-o", str(tmp / name), "--all", "-r", rcp, archive=a)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and why in r.stderr and "USB stick" in r.stderr
    assert not (tmp / name).exists() and no_temp_left(tmp)


def test_pack_and_export_site_report_as_json(env, tmp_path):
    """--json on the commands that report: what was written, as one object."""
    tmp, a, key, rcp = env
    r = run_mirror("pack", "-o", str(tmp / "j.age"), "--all", "-r", rcp, "--json", archive=a)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["articles"] >= 1 and got["payload_bytes"] > 0 and got["output"] == str(tmp / "j.age")
    assert (tmp / "j.age").exists() and "packed" not in r.stderr
    r = run_mirror("pack", "-o", "-", "--all", "-r", rcp, "--json", archive=a)
    assert r.returncode == 1 and "--json" in r.stderr and r.stdout == ""
    r = run_mirror("export-site", str(tmp / "site"), "--all", "--json", archive=a)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["articles"] == got["articles"]
    r = run_mirror("export-epub", str(tmp / "b.epub"), "--all", "--json", archive=a)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"output": str(tmp / "b.epub"), "articles": got["articles"], "encrypted": False}
    assert "NOT encrypted" in r.stderr
