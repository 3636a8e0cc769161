"""Interoperability with the real `age` CLI (Debian's 1.1.1), in both directions:
X25519 binary and armored, sizes around the 64 KiB chunk boundary, and
passphrases (age reads those only from a terminal: driven through a pty)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest

from conftest import run_mirror
from mirror.crypto import age

AGE = shutil.which("age")
pytestmark = [
    pytest.mark.agecli,
    # In CI the age CLI is installed by `make test`: a missing one must fail, not skip.
    pytest.mark.skipif(AGE is None and not os.environ.get("CI"), reason="age CLI not installed"),
]

KIB = 1024
SIZES = [0, 1, 64 * KIB - 1, 64 * KIB, 64 * KIB + 1, 128 * KIB, 3 * KIB * KIB + 17]
PASSPHRASE = "correct horse battery staple ünïcode"


def _data(n: int) -> bytes:
    return os.urandom(n)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    identity, recipient = age.generate_identity()
    idfile = d / "identity.txt"
    idfile.write_text(f"# public key: {recipient}\n{identity}\n")
    return identity, recipient, idfile


def _age(*args: str, stdin: bytes = b"") -> bytes:
    p = subprocess.run([AGE or "age", *args], input=stdin, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p.stdout


def _ours_decrypt(ct: bytes, **kw) -> bytes:
    out = io.BytesIO()
    age.decrypt(io.BytesIO(ct), out, **kw)
    return out.getvalue()


def _ours_encrypt(pt: bytes, **kw) -> bytes:
    out = io.BytesIO()
    age.encrypt(io.BytesIO(pt), out, **kw)
    return out.getvalue()


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armor"])
@pytest.mark.parametrize("size", SIZES)
def test_age_to_mirror(keys, size, armor):
    identity, recipient, _ = keys
    pt = _data(size)
    ct = _age("-r", recipient, *(["-a"] if armor else []), stdin=pt)
    assert ct.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n" if armor else b"age-encryption.org/v1\n")
    assert _ours_decrypt(ct, identities=[identity]) == pt


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armor"])
@pytest.mark.parametrize("size", SIZES)
def test_mirror_to_age(keys, tmp_path, size, armor):
    _, recipient, idfile = keys
    pt = _data(size)
    ct = _ours_encrypt(pt, recipients=[recipient], armor=armor)
    src = tmp_path / "ct.age"
    src.write_bytes(ct)
    assert _age("-d", "-i", str(idfile), str(src)) == pt


def test_same_size_as_age(keys):
    """Same overhead as age: one X25519 stanza, 16-byte nonce, 16 bytes per chunk."""
    identity, recipient, _ = keys
    pt = _data(128 * KIB)
    ours = _ours_encrypt(pt, recipients=[recipient])
    theirs = _age("-r", recipient, stdin=pt)
    assert len(ours) == len(theirs) == 131_288


def test_several_recipients_and_age_keygen(tmp_path, keys):
    """A file for two recipients, one made by age-keygen, opens with either key."""
    identity, recipient, idfile = keys
    other = tmp_path / "other.txt"
    subprocess.run(["age-keygen", "-o", str(other)], check=True, capture_output=True)
    (other_ident,) = age.parse_identities(other.read_text())
    pt = _data(70_000)
    ct = _ours_encrypt(pt, recipients=[recipient, str(other_ident.recipient())])
    (tmp_path / "ct").write_bytes(ct)
    assert _age("-d", "-i", str(other), str(tmp_path / "ct")) == pt
    assert _age("-d", "-i", str(idfile), str(tmp_path / "ct")) == pt
    theirs = _age("-r", recipient, "-r", str(other_ident.recipient()), stdin=pt)
    assert _ours_decrypt(theirs, identities=other.read_text()) == pt
    assert _ours_decrypt(theirs, identities=[identity]) == pt


def test_mirror_keygen_file_works_with_age(tmp_path):
    """`mirror keygen -o F` writes a file that age reads as an identity file."""
    keyfile = tmp_path / "key.txt"
    p = run_mirror("keygen", "-o", keyfile)
    assert p.returncode == 0, p.stderr
    recipient = p.stdout.strip()
    assert recipient.startswith("age1") and len(recipient) == 62
    assert keyfile.stat().st_mode & 0o777 == 0o600
    lines = keyfile.read_text().splitlines()
    assert lines[0].startswith("# created: ") and len(lines[0]) == len("# created: 2026-01-01")
    assert lines[1] == f"# public key: {recipient}"
    pt = b"from age to mirror keygen"
    assert _age("-d", "-i", str(keyfile), stdin=_age("-r", recipient, stdin=pt)) == pt
    again = run_mirror("keygen", "-o", keyfile)
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr
    assert keyfile.read_text().splitlines() == lines


# -- passphrases, through a pseudo-terminal ----------------------------------


def _spawn_age(args: list[str], answers: list[tuple[str, str]], timeout: int = 120) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(AGE or "age", args, timeout=timeout, encoding="utf-8")
    try:
        for prompt, answer in answers:
            child.expect(prompt)
            child.sendline(answer)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before


@pytest.mark.parametrize("size", [0, 64 * KIB, 3 * KIB * KIB])
def test_passphrase_age_to_mirror(tmp_path, size):
    pt = _data(size)
    src, dst = tmp_path / "pt", tmp_path / "ct.age"
    src.write_bytes(pt)
    _spawn_age(["-p", "-o", str(dst), str(src)],
               [("(?i)enter passphrase", PASSPHRASE), ("(?i)confirm passphrase", PASSPHRASE)])
    ct = dst.read_bytes()
    assert b"\n-> scrypt " in ct[:40]
    assert _ours_decrypt(ct, passphrases=[PASSPHRASE]) == pt
    with pytest.raises(age.NoMatchError):
        _ours_decrypt(ct, passphrases=["wrong"])


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armor"])
def test_passphrase_mirror_to_age(tmp_path, armor):
    pt = _data(100_000)
    src, out = tmp_path / "ct.age", tmp_path / "pt"
    src.write_bytes(_ours_encrypt(pt, passphrase=PASSPHRASE, armor=armor))  # default work factor
    _spawn_age(["-d", "-o", str(out), str(src)], [("(?i)enter passphrase", PASSPHRASE)])
    assert out.read_bytes() == pt
