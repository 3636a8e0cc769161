"""The encrypted archive, as a user relies on it: a seized disk shows nothing
it holds; only a key slot's key opens it; slots change without touching the
data; sessions end; erase destroys; damage is named; `encrypt` converts
crash-safely."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import TEST_IDENTITY_ENV, mirror_argv, run_mirror
from mirror.crypto import age
from sitekit import png
from mirror.demo.samples import SAMPLES
from mirror.demo.server import DemoServer
from mirror.errors import ArchiveError, Locked, WrongKey
from mirror.model import Asset, NewVersion
from mirror.store import Archive, NewKeys, Unlock, kind
from mirror.store.sealing import SealedTemp

FAST = 10  # scrypt work factor for passphrase slots made by tests (the default takes ~1 s)


def recipient() -> str:
    return os.environ[TEST_IDENTITY_ENV]


def fast_config(tmp_path: Path) -> Path:
    p = tmp_path / "fast.toml"
    p.write_text(f"[crypto]\narchive_work_factor = {FAST}\n\n[fetch]\nper_host_delay = 0.0\nretries = 0\n")
    return p


def story(i: int, lang: str = "en", body: str = "The harbour strike entered its third week.") -> NewVersion:
    img = png(24 + i, 16, (i * 7 % 255, 90, 160))
    sha = hashlib.sha256(img).hexdigest()
    text = f"{body} Story number {i}. " * 40
    return NewVersion(url=f"https://paper.example/story/{i}", title=f"Headline number {i}", byline="R. Porter",
                      published="2026-10-01T08:00:00Z", modified=None, lang=lang, site_name="The Paper",
                      text=text, html=f'<p>{text}</p><img src="assets/{sha[:16]}.png" alt="">',
                      captured="2026-10-02T00:00:00Z",
                      assets=[(Asset(f"{sha[:16]}.png", sha, "image/png", len(img)), img)])


def every_file(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def digest(root: Path, names: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for name in names:
        for p in sorted((root / name).rglob("*")) if (root / name).is_dir() else [root / name]:
            if p.is_file():
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


# -- what a seized disk shows ----------------------------------------------------------


@pytest.mark.slow
def test_a_seized_archive_shows_nothing_it_holds(tmp_path):
    """init + add of the demo's outlets (Latin, Cyrillic, Arabic) + unpack of a
    bundle: no title, URL, host, phrase of a body, image bytes, content hash or
    SQLite header anywhere under the archive, WAL included."""
    arc, cfg = tmp_path / "arc", fast_config(tmp_path)
    assert run_mirror("init", "-r", recipient(), archive=arc).returncode == 0
    with DemoServer() as server:
        r = run_mirror("add", *[s.url for s in SAMPLES], "--proxy", server.proxy, archive=arc, config=cfg)
    assert r.returncode == 0, r.stderr
    src = tmp_path / "src"
    with Archive.create(src, None) as plain:
        plain.save(story(1, "ru", "Журналисты расследуют дело о закрытии порта."))
        plain.save(story(2, "ar", "يحقق الصحفيون في قضية إغلاق الميناء."))
    bundle = tmp_path / "b.age"
    assert run_mirror("pack", "-o", bundle, "--all", "-r", recipient(), archive=src).returncode == 0
    assert run_mirror("unpack", bundle, "-i", os.environ["MIRROR_UNLOCK"], archive=arc).returncode == 0

    with Archive.open(arc) as ar:  # held open: the WAL stays on disk for the scan
        marks: list[bytes] = [b"SQLite format 3"]
        for s in ar.list():
            for v in ar.versions(s.id):
                marks += [x.encode() for x in (v.title, v.url, v.url.split("/")[2]) if x]
                words = v.text.split()
                marks += [" ".join(words[i:i + 4]).encode() for i in range(0, min(len(words), 60), 15)]
                marks += [v.content_hash.encode(), bytes.fromhex(v.content_hash)]
                for a in v.assets:
                    data = ar.read_blob(a.sha256)
                    marks += [a.sha256.encode(), bytes.fromhex(a.sha256), data[len(data) // 2:][:32]]
        assert any("\u0400" <= ch <= "\u04ff" for m in marks for ch in m.decode("utf-8", "ignore"))
        assert any("\u0600" <= ch <= "\u06ff" for m in marks for ch in m.decode("utf-8", "ignore"))
        files = every_file(arc)
        assert any(f.name.endswith("-wal") for f in files)
        for f in files:
            data = f.read_bytes()
            leaked = [m for m in marks if len(m) >= 8 and m in data]
            assert leaked == [], (f, leaked[:3])


def test_blobs_are_named_by_a_keyed_hash_and_padded(tmp_path):
    with Archive.create(tmp_path / "a", NewKeys(recipients=(recipient(),))) as ar:
        new = story(3)
        ar.save(new)
        asset, img = new.assets[0]
        path = ar.blob_path(asset.sha256)
        assert asset.sha256[:2] not in path.parent.name or asset.sha256[2:] != path.name
        assert asset.sha256 not in {p.parent.name + p.name for p in every_file(tmp_path / "a")}
        from mirror.crypto.padding import padme

        plain = padme(len(img) + 40)
        assert path.stat().st_size == 16 + plain + 16 * -(-plain // 65536)
        assert ar.read_blob(asset.sha256) == img


def test_a_blob_moved_to_another_name_is_refused(tmp_path):
    with Archive.create(tmp_path / "a", NewKeys(recipients=(recipient(),))) as ar:
        one, two = story(4), story(5)
        ar.save(one)
        ar.save(two)
        a1, a2 = one.assets[0][0].sha256, two.assets[0][0].sha256
        os.replace(ar.blob_path(a2), ar.blob_path(a1))
        with pytest.raises(ArchiveError, match="does not hold the content"):
            ar.read_blob(a1)


def test_sealed_temp_files_hold_no_plaintext_and_read_back_anywhere(tmp_path):
    raw = open(tmp_path / "t", "w+b")
    f = SealedTemp(raw)
    data = b"secret bundle payload " * 250000
    f.write(data[:1000])
    f.write(data[1000:])
    raw.flush()
    assert b"secret bundle" not in (tmp_path / "t").read_bytes()
    f.seek(123457)
    assert f.read(5000) == data[123457:128457]
    f.seek(0)
    assert f.read() == data
    f.seek(3)
    assert f.read(3 << 20) == data[3:3 + (3 << 20)]  # no short read before the end (zipfile relies on it)
    f.seek(10)
    with pytest.raises(ValueError, match="append-only"):
        f.write(b"x")  # a keystream position is never used twice
    f.close()


# -- keys ------------------------------------------------------------------------------------


def test_wrong_key_no_key_and_a_missing_unlock_file(tmp_path):
    arc = tmp_path / "arc"
    assert run_mirror("init", "-r", recipient(), archive=arc).returncode == 0
    other = tmp_path / "other.txt"
    other.write_text(age.generate_identity()[0] + "\n")
    pw = tmp_path / "pw.txt"
    pw.write_text("not the passphrase\n")
    for key in (other, pw):
        r = run_mirror("--unlock", key, "ls", archive=arc)
        assert r.returncode == 2 and r.stderr == "mirror: error: wrong passphrase or key for this archive\n"
    r = run_mirror("ls", archive=arc, env={"MIRROR_UNLOCK": None})
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "--unlock FILE" in r.stderr and "mirror unlock" in r.stderr and "Traceback" not in r.stderr
    r = run_mirror("--unlock", tmp_path / "absent.txt", "ls", archive=arc)
    assert r.returncode == 1 and "cannot read unlock file" in r.stderr
    assert run_mirror("ls", archive=arc).returncode == 0  # the right key still opens it


def test_key_slots_change_without_touching_the_data(tmp_path):
    arc, cfg = tmp_path / "arc", fast_config(tmp_path)
    assert run_mirror("init", "-r", recipient(), archive=arc).returncode == 0
    with Archive.open(arc) as ar:
        ar.save(story(6))
    data_before = digest(arc, ("catalogue", "objects"))
    pw = tmp_path / "pw.txt"
    pw.write_text("correct horse battery staple\n")
    r = run_mirror("key", "add", "--passphrase-file", pw, archive=arc, config=cfg)
    assert r.returncode == 0 and "(passphrase)" in r.stdout, r.stderr
    listed = run_mirror("key", "list", "--json", archive=arc, env={"MIRROR_UNLOCK": None})  # needs no key
    slots = {s["kind"]: s["id"] for s in __import__("json").loads(listed.stdout)}
    assert set(slots) == {"passphrase", "recipient"}
    assert run_mirror("--unlock", pw, "ls", archive=arc).stdout.count("Headline number 6") == 1
    assert run_mirror("key", "remove", slots["recipient"], archive=arc).returncode == 0
    r = run_mirror("ls", archive=arc)  # the identity's slot is gone
    assert r.returncode == 2 and "wrong passphrase or key" in r.stderr
    r = run_mirror("--unlock", pw, "key", "remove", slots["passphrase"], archive=arc)
    assert r.returncode == 1 and "last key slot" in r.stderr and "key erase" in r.stderr
    assert "Headline number 6" in run_mirror("--unlock", pw, "ls", archive=arc).stdout
    assert digest(arc, ("catalogue", "objects")) == data_before  # never re-encrypted


def test_key_remove_needs_a_key_and_names_unknown_slots(tmp_path):
    arc = tmp_path / "arc"
    pw = tmp_path / "pw.txt"
    pw.write_text("pass one\n")
    Archive.create(arc, NewKeys(passphrase="pass one", recipients=(recipient(),), work_factor=FAST)).close()
    assert run_mirror("key", "remove", "deadbeef", archive=arc).returncode == 1
    ids = [ln.split()[0] for ln in run_mirror("key", "list", archive=arc).stdout.splitlines()]
    r = run_mirror("key", "remove", ids[0], archive=arc, env={"MIRROR_UNLOCK": None})
    assert r.returncode == 2 and len(list((arc / "keys").iterdir())) == 2


def test_erase_destroys_every_slot_and_ends_the_session(tmp_path):
    arc = tmp_path / "arc"
    Archive.create(arc, NewKeys(passphrase="pass", recipients=(recipient(),), work_factor=FAST)).close()
    assert run_mirror("unlock", "--for", "1h", archive=arc).returncode == 0
    r = run_mirror("key", "erase", archive=arc)  # no terminal: no confirmation, no erase
    assert r.returncode == 1 and "--yes" in r.stderr and len(list((arc / "keys").iterdir())) == 2
    r = run_mirror("key", "erase", "--yes", archive=arc, env={"MIRROR_UNLOCK": None})  # needs no key
    assert r.returncode == 0 and "erased 2 key slot(s)" in r.stderr
    assert list((arc / "keys").iterdir()) == []
    for env in ({}, {"MIRROR_UNLOCK": None}):  # neither the identity nor the ended session opens it
        r = run_mirror("ls", archive=arc, env=env)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    with pytest.raises(WrongKey, match="erased"):
        Archive.open(arc)


def test_a_session_serves_the_key_until_locked_or_expired(tmp_path):
    arc = tmp_path / "arc"
    assert run_mirror("init", "-r", recipient(), archive=arc).returncode == 0
    locked = {"MIRROR_UNLOCK": None}
    r = run_mirror("unlock", "--for", "10m", archive=arc)
    assert r.returncode == 0 and "unlocked" in r.stderr
    from mirror.store import agent

    sock = agent.socket_path(arc)
    assert sock.stat().st_mode & 0o777 == 0o600 and sock.parent.stat().st_mode & 0o777 == 0o700
    assert run_mirror("ls", archive=arc, env=locked).returncode == 0
    with Archive.open(arc, Unlock(file=None)) as ar:
        assert ar.unlocked_by in ("file", "session")
    assert run_mirror("lock", archive=arc).returncode == 0
    assert not sock.exists()
    assert run_mirror("ls", archive=arc, env=locked).returncode == 2
    assert run_mirror("unlock", "--for", "1s", archive=arc).returncode == 0
    deadline = time.monotonic() + 30  # the session ends by itself (polled: no timing bound asserted)
    while sock.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert run_mirror("ls", archive=arc, env=locked).returncode == 2
    r = run_mirror("unlock", "--for", "soon", archive=arc)
    assert r.returncode == 1 and "--for" in r.stderr


def test_no_key_in_argv_and_no_archive_made_up(tmp_path):
    r = run_mirror("ls", archive=tmp_path / "none", init=False)
    assert r.returncode == 1 and "mirror init" in r.stderr and not (tmp_path / "none").exists()
    arc = tmp_path / "arc"
    assert run_mirror("init", "-r", recipient(), archive=arc).returncode == 0
    secret = age.generate_identity()[0]
    r = run_mirror("--unlock", secret, "ls", archive=arc)  # a key typed where a file belongs
    assert r.returncode == 1 and "never a key" in r.stderr and secret not in r.stderr


def test_prompts_on_a_terminal(tmp_path, monkeypatch):
    """Locked archive on a terminal: a hidden prompt. No archive on a
    terminal: an offer to create an encrypted one."""
    pexpect = pytest.importorskip("pexpect")
    arc = tmp_path / "arc"
    with Archive.create(arc, NewKeys(passphrase="open sesame", work_factor=FAST)) as ar:
        ar.save(story(7))
    env = dict(os.environ, MIRROR_CONFIG=str(fast_config(tmp_path)))
    env.pop("MIRROR_UNLOCK")
    exe, *argv = mirror_argv("ls", archive=arc)
    child = pexpect.spawn(exe, argv, env=env, encoding="utf-8", timeout=60)
    child.expect("Passphrase for the archive")
    child.sendline("open sesame")
    child.expect("Headline number 7")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    fresh = tmp_path / "fresh"
    exe, *argv = mirror_argv("ls", archive=fresh)
    child = pexpect.spawn(exe, argv, env=env, encoding="utf-8", timeout=60)
    child.expect(r"Create an encrypted one now\?")
    child.sendline("y")
    child.expect("Passphrase")
    child.sendline("new pass")
    child.expect("Repeat")
    child.sendline("new pass")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and kind(fresh) == "encrypted"
    monkeypatch.delenv("MIRROR_UNLOCK")
    with Archive.open(fresh, Unlock(prompt=lambda _: "new pass", session=False)) as ar:
        assert ar.list() == []


# -- damage --------------------------------------------------------------------------------


def _filled(tmp_path: Path, n: int = 30) -> Path:
    arc = tmp_path / "arc"
    with Archive.create(arc, NewKeys(recipients=(recipient(),))) as ar:
        for i in range(n):
            ar.save(story(i))
    return arc


def test_a_flipped_catalogue_page_is_named_and_the_rest_stays_readable(tmp_path):
    """One bad sector in the catalogue, at each of twenty places in turn: what it
    breaks is named as damage (never read as data, never a traceback), and for
    most places (a page of rows, not the root of an index every lookup needs)
    the other articles stay readable."""
    arc = _filled(tmp_path)
    cat = arc / "catalogue"
    assert not (arc / "catalogue-wal").exists() or (arc / "catalogue-wal").stat().st_size == 0
    with Archive.open(arc) as ar:
        ids = ar.ids()
    pages = cat.stat().st_size // 4096

    def flip(page: int) -> None:
        with open(cat, "r+b") as f:
            f.seek(page * 4096 + 1000)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0x40]))

    outcomes = []
    for page in range(2, pages, max(1, pages // 20)):  # past the header and the schema
        flip(page)
        good = bad = 0
        try:
            with Archive.open(arc) as ar:
                for aid in ids:
                    try:
                        art = ar.get(aid)
                    except ArchiveError as e:
                        assert "catalogue is damaged" in str(e) and "\n" not in str(e)
                        bad += 1
                    else:
                        assert "Story number" in art.text
                        good += 1
        except ArchiveError as e:  # a page the opening reads
            assert "damaged" in str(e) and "\n" not in str(e)
            bad = len(ids)
        flip(page)  # the sector mended
        outcomes.append((good, bad))
    assert any(bad for _, bad in outcomes), outcomes  # damage to rows is seen, not read as text
    assert sum(good >= len(ids) // 2 for good, _ in outcomes) >= len(outcomes) // 2, outcomes
    flip(pages * 2 // 3)
    r = run_mirror("ls", "--json", archive=arc)
    assert "Traceback" not in r.stderr and r.stderr.count("\n") <= 1


def test_a_truncated_catalogue_is_a_clear_error(tmp_path):
    arc = _filled(tmp_path, 10)
    cat = arc / "catalogue"
    with open(cat, "r+b") as f:
        f.truncate(cat.stat().st_size // 2)
    for cmd in (("ls",), ("search", "harbour")):
        r = run_mirror(*cmd, archive=arc)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and "damaged" in r.stderr, r.stderr


def test_a_flipped_blob_is_named_and_other_articles_still_read(tmp_path):
    arc = _filled(tmp_path, 3)
    with Archive.open(arc) as ar:
        arts = [ar.get(i) for i in ar.ids()]
        victim = arts[0].assets[0].sha256
        path = ar.blob_path(victim)
    data = bytearray(path.read_bytes())
    data[40] ^= 1
    path.write_bytes(bytes(data))
    with Archive.open(arc) as ar:
        with pytest.raises(ArchiveError, match=f"blob {victim[:12]}.* damaged"):
            ar.read_blob(victim)
        assert any(victim[:12] in p for p in ar.integrity())
        for art in arts[1:]:
            assert ar.read_blob(art.assets[0].sha256)
    r = run_mirror("export-site", tmp_path / "site", arts[0].id, archive=arc)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "damaged" in r.stderr


def test_the_library_refuses_a_locked_archive(tmp_path, monkeypatch):
    arc = _filled(tmp_path, 1)
    monkeypatch.delenv("MIRROR_UNLOCK")
    with pytest.raises(Locked):
        Archive.open(arc)


# -- encrypt ---------------------------------------------------------------------------------


def _plain(tmp_path: Path, n: int = 12) -> Path:
    arc = tmp_path / "plain"
    with Archive.create(arc, None) as ar:
        for i in range(n):
            ar.save(story(i))
    return arc


def test_encrypt_converts_and_removes_the_plaintext(tmp_path):
    arc = _plain(tmp_path)
    before = run_mirror("ls", "--json", archive=arc).stdout
    assert run_mirror("pack", "-o", tmp_path / "b.age", "--all", "-r", recipient(), archive=arc).returncode == 0
    assert (arc / "cache" / "pages").exists()  # a plaintext page cache, to be gone too
    r = run_mirror("encrypt", "-r", recipient(), archive=arc)
    assert r.returncode == 0 and "recoverable" in r.stderr, r.stderr
    assert kind(arc) == "encrypted"
    assert not (arc / "archive.sqlite3").exists() and not (arc / "blobs").exists()
    assert run_mirror("ls", "--json", archive=arc).stdout == before
    for f in every_file(arc):
        assert b"Headline number" not in f.read_bytes() and b"SQLite format 3" not in f.read_bytes()
    r = run_mirror("encrypt", "-r", recipient(), archive=arc)
    assert r.returncode == 1 and "already encrypted" in r.stderr


def _kill_rounds(tmp_path: Path, template: Path, args: tuple, check, seed: int) -> int:
    """Run `mirror ARGS` on fresh copies of `template` and SIGKILL it at a
    random moment (up to the time an uninterrupted run takes) until 20 kills
    landed; `check(copy)` after each round. Returns the number of kills."""
    probe = tmp_path / "probe"
    subprocess.run(["cp", "-a", template, probe], check=True)
    t = time.monotonic()
    assert run_mirror(*args, archive=probe).returncode == 0
    took = time.monotonic() - t
    rng = random.Random(seed)
    kills = rounds = 0
    while kills < 20 and rounds < 80:
        rounds += 1
        arc = tmp_path / f"round{rounds}"
        subprocess.run(["cp", "-a", template, arc], check=True)
        p = subprocess.Popen(mirror_argv(*args, archive=arc), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, took))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
        check(arc)
        subprocess.run(["rm", "-rf", arc], check=True)
    return kills


@pytest.mark.slow
def test_sigkill_during_encrypt_leaves_the_old_archive_or_the_new_one(tmp_path):
    template = _plain(tmp_path, 40)
    outcomes = set()

    def check(arc: Path) -> None:
        with Archive.open(arc) as ar:  # either layout opens, whole
            outcomes.add(kind(arc))
            assert ar.integrity() == []
            assert len(ar.ids()) == 40
            assert all(ar.read_blob(a.sha256) for i in ar.ids() for a in ar.get(i).assets)
        if kind(arc) == "plaintext":  # and an interrupted conversion can simply be run again
            assert run_mirror("encrypt", "-r", recipient(), archive=arc).returncode == 0
            assert kind(arc) == "encrypted"

    assert _kill_rounds(tmp_path, template, ("encrypt", "-r", recipient()), check, 99) >= 20
    assert "plaintext" in outcomes


def _objects(root: Path) -> list[str]:
    return [p.parent.name + p.name for p in (root / "objects").glob("*/*") if p.parent.name != "tmp"]


@pytest.mark.slow
def test_sigkill_during_unpack_into_an_encrypted_archive_is_all_or_nothing(tmp_path):
    """20+ kills at random moments of an unpack into an encrypted archive:
    each time it opens, passes its integrity check, and holds either what it
    held or the whole bundle; what a killed import stored goes at the next open."""
    src = _plain(tmp_path, 40)
    bundle = tmp_path / "b.age"
    assert run_mirror("pack", "-o", bundle, "--all", "-r", recipient(), archive=src).returncode == 0
    template = tmp_path / "template"
    with Archive.create(template, NewKeys(recipients=(recipient(),))) as ar:
        ar.save(story(900))
    seen = set()

    def check(arc: Path) -> None:
        with Archive.open(arc) as ar:
            assert ar.integrity() == []
            n = len(ar.ids())
            assert n in (1, 41)
            seen.add(n)
            if n == 41:
                assert all(ar.read_blob(a.sha256) for i in ar.ids() for a in ar.get(i).assets)
        if n == 1:  # nothing the killed import stored is left behind
            assert sorted(_objects(arc)) == sorted(_objects(template))

    args = ("unpack", bundle, "-i", os.environ["MIRROR_UNLOCK"])
    assert _kill_rounds(tmp_path, template, args, check, 7) >= 20 and 1 in seen


def test_a_post_quantum_slot_opens_the_archive(tmp_path):
    """A slot sealed to an ML-KEM-768 + X25519 hybrid recipient (age1pq1...)."""
    identity, pq = age.generate_identity(post_quantum=True)
    key = tmp_path / "pq.txt"
    key.write_text(identity + "\n")
    arc = tmp_path / "arc"
    r = run_mirror("init", "-r", pq, archive=arc)
    assert r.returncode == 0 and "recipient (post-quantum)" in r.stderr, r.stderr
    assert run_mirror("--unlock", key, "ls", archive=arc).returncode == 0
    assert run_mirror("ls", archive=arc).returncode == 2  # the classical test identity has no slot


def test_plaintext_output_of_an_encrypted_archive_says_so(tmp_path):
    arc = _filled(tmp_path, 2)
    r = run_mirror("export-site", tmp_path / "site", "--all", archive=arc)
    assert r.returncode == 0 and "NOT encrypted" in r.stderr
    plain = tmp_path / "plain"
    Archive.create(plain, None).close()
    with Archive.open(plain) as ar:
        ar.save(story(1))
    assert "NOT encrypted" not in run_mirror("export-site", tmp_path / "site2", "--all", archive=plain).stderr
