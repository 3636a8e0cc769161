"""Why a bundle did not open, in one line that names the problem (as `age`
does), exit 2: a wrong passphrase, a passphrase for a key bundle and a key for
a passphrase bundle, a signing key or a public key given as -i, a file that is
not a bundle, a copy cut short (binary and armored)."""

from __future__ import annotations

import zipfile

import pytest

from bundleutil import make_archive
from conftest import run_mirror
from mirror.crypto import age


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("decrypt")
    make_archive(tmp / "ar", 2)
    identity, recipient = age.generate_identity()
    (tmp / "k.key").write_text(identity + "\n")
    (tmp / "k.pub").write_text(recipient + "\n")
    (tmp / "pw").write_text("correct horse battery staple\n")
    (tmp / "wrong-pw").write_text("incorrect horse\n")
    assert run_mirror("keygen", "--signing", "-o", tmp / "s.key").returncode == 0
    for args in (["-o", tmp / "key.age", "-r", recipient], ["-o", tmp / "pw.age", "--passphrase-file", tmp / "pw"],
                 ["-o", tmp / "armored.age", "--armor", "-r", recipient]):
        r = run_mirror("pack", *args, "--all", archive=tmp / "ar")
        assert r.returncode == 0, r.stderr
    key = (tmp / "key.age").read_bytes()
    (tmp / "cut-header.age").write_bytes(key[:60])
    (tmp / "cut.age").write_bytes(key[: len(key) * 2 // 3])
    armored = (tmp / "armored.age").read_bytes()
    (tmp / "cut-armored.age").write_bytes(armored[: len(armored) * 2 // 3])
    (tmp / "junk.age").write_bytes(b"hello, this is not a bundle\n" * 10)
    with zipfile.ZipFile(tmp / "plain.zip", "w") as z:
        z.writestr("index.html", "<p>hi</p>")
    return tmp


CASES = [
    ("pw.age", ["--passphrase-file", "wrong-pw"], "pw.age: wrong passphrase"),
    ("key.age", ["--passphrase-file", "pw"], "key.age is encrypted to keys, not a passphrase (use -i IDENTITY)"),
    ("pw.age", ["-i", "k.key"], "pw.age is encrypted with a passphrase, not to a key"),
    ("key.age", ["-i", "s.key"], "s.key is a signing key (for pack --sign-key), not an age identity"),
    ("key.age", ["-i", "s.key.pub"], "s.key.pub is a signing public key (for --trust), not an age identity"),
    ("key.age", ["-i", "k.pub"], "k.pub holds a recipient (a public key), not an identity"),
    ("junk.age", ["-i", "k.key"], "junk.age is not an age file or a mirror bundle"),
    ("plain.zip", ["-i", "k.key"], "plain.zip is a ZIP file, not an encrypted bundle"),
    ("cut-header.age", ["-i", "k.key"], "cut-header.age is truncated: it ends inside the header"),
    ("cut.age", ["-i", "k.key"], "cut.age is truncated (an incomplete copy?)"),
    ("cut-armored.age", ["-i", "k.key"], "cut-armored.age is truncated: the armored text ends before its END line"),
]


@pytest.mark.parametrize("command", ["inspect", "unpack"])
@pytest.mark.parametrize("bundle,key,message", CASES, ids=[c[0] + ":" + c[1][1] for c in CASES])
def test_each_decryption_failure_says_what_is_wrong(world, command, bundle, key, message, tmp_path):
    args = [key[0], world / key[1]]
    r = run_mirror(command, world / bundle, *args, archive=tmp_path / "B")
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("mirror: error: ") and message in r.stderr, r.stderr


def test_the_messages_are_distinct(world, tmp_path):
    got = {run_mirror("inspect", world / b, k[0], world / k[1], archive=tmp_path / "B").stderr
           .replace(str(world), "") for b, k, _ in CASES}
    assert len(got) == len(CASES)


def test_the_right_keys_still_open_them(world, tmp_path):
    for bundle, args in (("key.age", ["-i", "k.key"]), ("pw.age", ["--passphrase-file", "pw"]),
                         ("armored.age", ["-i", "k.key"])):
        r = run_mirror("inspect", world / bundle, args[0], world / args[1], archive=tmp_path / "B")
        assert r.returncode == 0, r.stderr
