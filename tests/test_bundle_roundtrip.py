"""pack -> unpack through the CLI: every field survives, packing is
deterministic and anonymous, imports merge without loss or duplication."""

from __future__ import annotations

import getpass
import hashlib
import io
import json
import os
import socket
import subprocess
import zipfile
from pathlib import Path

import pytest

from bundleutil import JPEG, age_keypair, make_archive, new_version, tree_digest
from conftest import mirror_argv, run_mirror
from conftest import open_archive
from mirror.model import META_FIELDS

pytestmark = pytest.mark.agecli


def age_decrypt(bundle: Path, key: Path) -> bytes:
    return subprocess.run(["age", "-d", "-i", str(key), str(bundle)], check=True,
                          capture_output=True).stdout


@pytest.fixture
def env(tmp_path):
    a = tmp_path / "archive-A"
    ids = make_archive(a, 3)
    key, recipient = age_keypair(tmp_path)
    return tmp_path, a, ids, key, recipient


def test_round_trip_every_field_and_asset(env):
    tmp, a, ids, key, rcp = env
    r = run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "-r", rcp, archive=a)
    assert r.returncode == 0, r.stderr
    r = run_mirror("unpack", str(tmp / "b.age"), "-i", str(key), "--json", archive=tmp / "B")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["imported"] == 3 and rep["skipped"] == 0 and rep["signature"] == "unsigned"
    with open_archive(a) as A, open_archive(tmp / "B") as B:
        assert sorted(B.ids()) == sorted(ids)
        for aid in ids:
            x, y = A.get(aid), B.get(aid)
            for f in META_FIELDS:  # every metadata field, the day one is added too
                assert getattr(x, f) is not None and getattr(x, f) == getattr(y, f), f
            for f in ("id", "url", "text", "html", "content_hash", "assets"):
                assert getattr(x, f) == getattr(y, f), f
            assert y.captured == x.captured[:10] + "T00:00:00Z"  # only the day travels
            for asset_ in x.assets:
                assert A.read_blob(asset_.sha256) == B.read_blob(asset_.sha256)
        assert B.integrity() == []


def test_unpack_twice_changes_nothing_and_repack_is_identical(env):
    tmp, a, ids, key, rcp = env
    assert run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "-r", rcp, archive=a).returncode == 0
    assert run_mirror("unpack", str(tmp / "b.age"), "-i", str(key), archive=tmp / "B").returncode == 0
    before = tree_digest(tmp / "B")
    r = run_mirror("unpack", str(tmp / "b.age"), "-i", str(key), "--json", archive=tmp / "B")
    assert r.returncode == 0 and json.loads(r.stdout)["imported"] == 0
    assert tree_digest(tmp / "B") == before
    # B re-packs the same articles into the same plaintext, byte for byte.
    assert run_mirror("pack", "-o", str(tmp / "c.age"), "--all", "-r", rcp, archive=tmp / "B").returncode == 0
    assert age_decrypt(tmp / "b.age", key) == age_decrypt(tmp / "c.age", key)


def test_deterministic_and_anonymous(env):
    tmp, a, ids, key, rcp = env
    b1, b2 = tmp / "one.age", tmp / "two.age"
    marked = {"USER": "zqxuser", "LOGNAME": "zqxuser", "HOME": str(tmp / "home-zqxhome")}
    assert run_mirror("pack", "-o", str(b1), *ids, "-r", rcp, archive=a, env=marked).returncode == 0
    assert run_mirror("pack", "-o", str(b2), "--all", "-r", rcp, archive=a).returncode == 0
    p1, p2 = age_decrypt(b1, key), age_decrypt(b2, key)
    assert p1 == p2
    assert b1.read_bytes() != b2.read_bytes()  # fresh file key each time
    zf = zipfile.ZipFile(io.BytesIO(p1))
    texts = [p1, b1.read_bytes()] + [zf.read(n) for n in zf.namelist()]
    secrets = {socket.gethostname(), str(Path.home()), str(a), str(tmp), a.name, tmp.name,
               "zqxuser", "zqxhome"}
    if getpass.getuser() != "root":  # ":root" is CSS in every page
        secrets.add(getpass.getuser())
    for s in secrets:
        if len(s) >= 4:
            assert not any(s.encode() in t for t in texts), s
    for info in zf.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
    import datetime

    today = datetime.datetime.now(datetime.timezone.utc)
    for when in (today, today - datetime.timedelta(days=1)):  # when it was packed is nowhere
        assert not any(when.strftime("%Y-%m-%d").encode() in t for t in texts)
    for n in zf.namelist():
        if n.endswith("article.json"):
            assert json.loads(zf.read(n))["captured"].endswith("T00:00:00Z")


def test_new_version_of_known_url_is_added(env):
    tmp, a, ids, key, rcp = env
    b = tmp / "B"
    with open_archive(b) as B:
        B.save(new_version(0, text="An earlier edition of the story.", captured="2026-03-01T08:00:00Z"))
    assert run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "-r", rcp, archive=a).returncode == 0
    r = run_mirror("unpack", str(tmp / "b.age"), "-i", str(key), "--json", archive=b)
    assert r.returncode == 0, r.stderr
    statuses = sorted(x["status"] for x in json.loads(r.stdout)["articles"])
    assert statuses == ["new", "new", "new version"]
    with open_archive(b) as B:
        assert len(B.versions(ids[0])) == 2
        assert B.get(ids[0]).text == new_version(0).text


def test_inspect_lists_without_importing(env):
    tmp, a, ids, key, rcp = env
    assert run_mirror("pack", "-o", str(tmp / "b.age"), ids[0], "-r", rcp, "--armor", archive=a).returncode == 0
    assert (tmp / "b.age").read_bytes().startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    r = run_mirror("inspect", str(tmp / "b.age"), "-i", str(key), archive=tmp / "B")
    assert r.returncode == 0, r.stderr
    assert ids[0] in r.stdout and "Story number 0" in r.stdout and "unsigned" in r.stderr
    with open_archive(tmp / "B") as B:
        assert B.ids() == []


def test_signing_unknown_trusted_and_required(env):
    tmp, a, ids, key, rcp = env
    r = run_mirror("keygen", "--signing", "-o", str(tmp / "sign.key"))
    assert r.returncode == 0, r.stderr
    assert (tmp / "sign.key").stat().st_mode & 0o777 == 0o600
    pub = next(line.split()[-1] for line in r.stdout.splitlines() if line.startswith("Public key:"))
    fp = next(line.split()[-1] for line in r.stdout.splitlines() if line.startswith("Fingerprint:"))
    again = run_mirror("keygen", "--signing", "-o", str(tmp / "sign.key"))
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr
    b = tmp / "b.age"
    assert run_mirror("pack", "-o", str(b), "--all", "-r", rcp, "--sign-key", str(tmp / "sign.key"),
                  archive=a).returncode == 0
    r = run_mirror("inspect", str(b), "-i", str(key), "--json", archive=tmp / "B")
    assert json.loads(r.stdout)["signature"] == f"signed by {fp} (unknown key)"
    (tmp / "pub.txt").write_text(pub + "\n")
    r = run_mirror("inspect", str(b), "-i", str(key), "--trust", str(tmp / "pub.txt"), "--json", archive=tmp / "B")
    assert json.loads(r.stdout)["trusted"] is True
    cfg = tmp / "config.toml"
    cfg.write_text(f'[bundle]\ntrusted_keys = ["{pub}"]\n')
    r = run_mirror("inspect", str(b), "-i", str(key), "--json", archive=tmp / "B", env={"MIRROR_CONFIG": str(cfg)})
    assert json.loads(r.stdout)["signature"] == f"signed by trusted key {fp}"
    cfg.write_text(f'[bundle]\ntrusted_keys = ["{tmp / "pub.txt"}"]\n')  # a key file works too
    r = run_mirror("inspect", str(b), "-i", str(key), "--json", archive=tmp / "B", env={"MIRROR_CONFIG": str(cfg)})
    assert json.loads(r.stdout)["trusted"] is True
    other = run_mirror("keygen", "--signing", "-o", str(tmp / "other.key"))
    assert other.returncode == 0
    r = run_mirror("unpack", str(b), "-i", str(key), "--trust", str(tmp / "other.key"), archive=tmp / "B")
    assert r.returncode == 2 and "not signed by a key given with --trust" in r.stderr
    with open_archive(tmp / "B") as B:
        assert B.ids() == []


def test_keygen_signing_to_stdout():
    r = run_mirror("keygen", "--signing")
    assert r.returncode == 0
    assert "MIRROR-ED25519-SECRET:" in r.stdout and "Public key: ed25519:" in r.stderr


def test_passphrase_file_round_trip_and_wrong_passphrase(env):
    tmp, a, ids, key, rcp = env
    (tmp / "pw").write_text("correct horse battery staple\n")
    (tmp / "bad").write_text("wrong\n")
    assert run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "--passphrase-file", str(tmp / "pw"),
                  archive=a).returncode == 0
    r = run_mirror("unpack", str(tmp / "b.age"), "--passphrase-file", str(tmp / "bad"), archive=tmp / "B")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    r = run_mirror("unpack", str(tmp / "b.age"), "--passphrase-file", str(tmp / "pw"), archive=tmp / "B")
    assert r.returncode == 0, r.stderr


def test_usage_errors(env):
    tmp, a, ids, key, rcp = env
    r = run_mirror("pack", "-o", str(tmp / "x.age"), "--all", archive=a, input="")
    assert r.returncode == 1 and "no terminal" in r.stderr
    r = run_mirror("pack", "-o", str(tmp / "x.age"), "-r", rcp, archive=a)
    assert r.returncode == 1 and "no articles selected" in r.stderr
    r = run_mirror("pack", "-o", str(tmp / "x.age"), "--search", "nosuchwordanywhere", "-r", rcp, archive=a)
    assert r.returncode == 1 and "no articles selected" in r.stderr
    r = run_mirror("pack", "-o", str(tmp / "x.age"), "--since", "2099-01-01", "-r", rcp, archive=a)
    assert r.returncode == 1 and "no articles selected" in r.stderr
    r = run_mirror("pack", "-o", str(tmp / "x.age"), "--all", "-r", "age1notarecipient", archive=a)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    r = run_mirror("pack", "-o", str(tmp / "x.age"), "--all", "-r", rcp, "--format", "html", archive=a)
    assert r.returncode == 1 and "passphrase only" in r.stderr  # html: no recipients
    assert not (tmp / "x.age").exists()
    assert not [p for p in tmp.iterdir() if p.name.startswith(".mirror-pack-")]
    assert run_mirror("pack", "-o", str(tmp / "x.age"), "--all", "-r", rcp, archive=a).returncode == 0
    for args in (["-i", str(tmp / "missing.key")], ["--passphrase-file", str(tmp / "missing.txt")],
                 ["-i", str(tmp / "x.age")]):
        r = run_mirror("unpack", str(tmp / "x.age"), *args, archive=tmp / "B")
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    r = run_mirror("unpack", str(tmp / "nothere.age"), "-i", str(key), archive=tmp / "B")
    assert r.returncode == 1 and "cannot read" in r.stderr


def test_selection_by_search_and_since(env):
    tmp, a, ids, key, rcp = env
    with open_archive(a) as ar:
        ar.save(new_version(7, title="Flooding in the delta", captured="2026-05-01T00:00:00Z"))
    r = run_mirror("pack", "-o", str(tmp / "s.age"), "--search", "delta", "-r", rcp, archive=a)
    assert r.returncode == 0, r.stderr
    r = run_mirror("inspect", str(tmp / "s.age"), "-i", str(key), "--json", archive=tmp / "B")
    assert [x["title"] for x in json.loads(r.stdout)["articles"]] == ["Flooding in the delta"]
    assert run_mirror("pack", "-o", str(tmp / "t.age"), "--since", "2026-04-01", "-r", rcp, archive=a).returncode == 0
    r = run_mirror("inspect", str(tmp / "t.age"), "-i", str(key), "--json", archive=tmp / "B")
    assert len(json.loads(r.stdout)["articles"]) == 1


def _third_party_tree(root: Path) -> None:
    """The minimal layout by hand: manifest, article.json, assets as files."""
    from mirror.bundle import layout
    from mirror.model import article_id

    nv = new_version(42)
    aid = article_id(nv.url)
    doc = {"url": nv.url, "title": nv.title, "byline": nv.byline, "published": nv.published,
           "modified": nv.modified, "lang": "en", "site_name": nv.site_name, "lead_image": nv.lead_image,
           "text": nv.text, "html": nv.html, "captured": "2026-01-02",
           "content_hash": nv.content_hash(),
           "assets": [{"name": x.name, "sha256": x.sha256, "mime": x.mime, "size": x.size}
                      for x, _ in nv.assets]}
    files = {layout.article_json(aid): json.dumps(doc).encode()}
    for x, data in nv.assets:
        files[layout.asset_path(aid, x.name)] = data
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    man = {"format": "mirror-bundle", "version": 1, "files": {},
           "articles": [{"id": aid, "url": nv.url, "captured": "2026-01-02", "content_hash": nv.content_hash(),
                         "files": {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                                   for n, d in files.items()}}]}
    (root / "manifest.json").write_text(json.dumps(man))


def test_third_party_zip_encrypted_with_age_cli_imports(env):
    tmp, a, ids, key, rcp = env
    site = tmp / "hand"
    site.mkdir()
    _third_party_tree(site)
    subprocess.run(["zip", "-q", "-r", str(tmp / "hand.zip"), "."], cwd=site, check=True)  # with folder entries
    subprocess.run(["age", "-r", rcp, "-o", str(tmp / "hand.age"), str(tmp / "hand.zip")], check=True)
    r = run_mirror("unpack", str(tmp / "hand.age"), "-i", str(key), "--json", archive=tmp / "B")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == 1
    with open_archive(tmp / "B") as B:
        art = B.get(B.ids()[0])
        assert art.title == "Story number 42" and B.read_blob(art.assets[0].sha256) in (JPEG, new_version(42).assets[0][1])
        assert B.integrity() == []


def test_export_site(env):
    tmp, a, ids, key, rcp = env
    out = tmp / "site"
    r = run_mirror("export-site", str(out), "--all", archive=a)
    assert r.returncode == 0, r.stderr
    assert (out / "index.html").is_file() and (out / "manifest.json").is_file()
    for aid in ids:
        assert (out / "articles" / aid / "index.html").is_file()
    r = run_mirror("export-site", str(out), "--all", archive=a)
    assert r.returncode == 1 and "not an empty directory" in r.stderr


def test_pack_prompts_for_passphrase_twice(env):
    pexpect = pytest.importorskip("pexpect")
    tmp, a, ids, key, rcp = env
    e = dict(os.environ, MIRROR_CONFIG=os.devnull)
    exe, *argv = mirror_argv("pack", "-o", tmp / "p.age", "--all", archive=a)
    child = pexpect.spawn(exe, argv,
                          env=e, encoding="utf-8", timeout=30)
    child.expect("Passphrase")
    child.sendline("")
    child.expect(r"Generated passphrase \((\d+) bits")
    assert int(child.match.group(1)) >= 80
    child.expect(r"\n\s+([a-z-]+)\r?\n")
    phrase = child.match.group(1)
    assert len(phrase.split("-")) == 7
    child.expect("Use this passphrase")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (tmp / "pw").write_text(phrase + "\n")
    r = run_mirror("inspect", str(tmp / "p.age"), "--passphrase-file", str(tmp / "pw"), archive=tmp / "B")
    assert r.returncode == 0, r.stderr
    # A typed passphrase must be confirmed.
    exe, *argv = mirror_argv("pack", "-o", tmp / "q.age", "--all", archive=a)
    child = pexpect.spawn(exe, argv,
                          env=e, encoding="utf-8", timeout=30)
    child.expect("Passphrase")
    child.sendline("one passphrase")
    child.expect("Repeat")
    child.sendline("another one")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and not (tmp / "q.age").exists()


def test_recipients_file_with_two_keys(env, tmp_path):
    tmp, a, ids, key, rcp = env
    (tmp_path / "second").mkdir()
    key2, rcp2 = age_keypair(tmp_path / "second")
    (tmp / "people.txt").write_text(f"# the two couriers\n{rcp}\n{rcp2}\n")
    r = run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "-R", str(tmp / "people.txt"), archive=a)
    assert r.returncode == 0, r.stderr
    assert age_decrypt(tmp / "b.age", key) == age_decrypt(tmp / "b.age", key2)


def test_every_version_travels_in_order(env):
    tmp, a, ids, key, rcp = env
    with open_archive(a) as A:
        A.save(new_version(0, text="Second edition: the minister's quote was removed.",
                           captured="2026-03-05T09:00:00Z"))
        assert len(A.versions(ids[0])) == 2
    b = tmp / "b.age"
    assert run_mirror("pack", "-o", str(b), ids[0], "-r", rcp, archive=a).returncode == 0
    names = zipfile.ZipFile(io.BytesIO(age_decrypt(b, key))).namelist()
    assert f"articles/{ids[0]}/versions/0001.json" in names
    r = run_mirror("unpack", str(b), "-i", str(key), "--json", archive=tmp / "B")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == 2
    with open_archive(a) as A, open_archive(tmp / "B") as B:
        assert [v.text for v in B.versions(ids[0])] == [v.text for v in A.versions(ids[0])]
        assert [v.content_hash for v in B.versions(ids[0])] == [v.content_hash for v in A.versions(ids[0])]
    # A third archive that has only the first edition gets the second as a new version.
    c = tmp / "C"
    with open_archive(c) as C:
        C.save(new_version(0))
    r = run_mirror("unpack", str(b), "-i", str(key), "--json", archive=c)
    rep = json.loads(r.stdout)
    assert rep["imported"] == 1 and rep["articles"][0]["status"] == "new version"
    with open_archive(c) as C:
        assert C.get(ids[0]).text.startswith("Second edition")


def test_several_identity_files(env, tmp_path):
    tmp, a, ids, key, rcp = env
    (tmp_path / "other").mkdir()
    other_key, _ = age_keypair(tmp_path / "other")
    assert run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "-r", rcp, archive=a).returncode == 0
    r = run_mirror("unpack", str(tmp / "b.age"), "-i", str(other_key), archive=tmp / "B")
    assert r.returncode == 2
    r = run_mirror("unpack", str(tmp / "b.age"), "-i", str(other_key), "-i", str(key), archive=tmp / "B")
    assert r.returncode == 0, r.stderr
