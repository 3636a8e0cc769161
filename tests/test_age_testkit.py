"""The age testkit (C2SP/CCTV `age/testdata`, vendored in `tests/age-testkit/`, 0BSD/CC0):
all 143 vectors, the 19 post-quantum hybrid ones included, each checked for its
exact failure class and for the SHA-256 of the plaintext released before the
outcome (complete plaintext on success, the authenticated prefix on a payload
failure). Vectors go through the public `age.decrypt`, which detects armor
itself."""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path

import pytest

from mirror.crypto import age
from pipesource import Pipe

TESTKIT = Path(__file__).resolve().with_name("age-testkit")
KNOWN_KEYS = {"expect", "payload", "identity", "passphrase", "armored", "compressed", "file key", "comment"}
OUTCOMES = {
    "success": None,
    "header failure": age.HeaderError,
    "payload failure": age.PayloadError,
    "armor failure": age.ArmorError,
    "no match": age.NoMatchError,
    "HMAC failure": age.MacError,
}


def _vectors() -> list[str]:
    if not TESTKIT.is_dir():
        return []
    return sorted(p.name for p in TESTKIT.iterdir() if p.is_file() and p.name != "README.md")


def _load(name: str) -> tuple[dict[str, list[str]], bytes]:
    raw = (TESTKIT / name).read_bytes()
    head, sep, body = raw.partition(b"\n\n")
    assert sep, "no blank line after the vector header"
    meta: dict[str, list[str]] = {}
    for line in head.decode("utf-8").split("\n"):
        key, sep, value = line.partition(": ")
        assert sep, f"bad header line {line!r}"
        meta.setdefault(key, []).append(value)
    if meta.get("compressed") == ["zlib"]:
        body = zlib.decompress(body)
    return meta, body


def test_testkit_is_complete():
    names = _vectors()
    assert len(names) == 143, f"expected 143 vectors in {TESTKIT}, found {len(names)}"
    hybrid = [n for n in names if "AGE-SECRET-KEY-PQ-" in (TESTKIT / n).read_bytes()[:2000].decode("latin-1")]
    assert len(hybrid) == 19


def _run(meta, body, src) -> tuple[type | None, bytes]:
    out = io.BytesIO()
    outcome = None
    try:
        age.decrypt(
            src,
            out,
            identities=meta.get("identity", []),
            passphrases=meta.get("passphrase", []),
            max_work_factor=22,
        )
    except age.AgeError as e:
        outcome = type(e)
    return outcome, out.getvalue()


@pytest.mark.parametrize("name", _vectors())
def test_vector(name: str):
    meta, body = _load(name)
    unknown = set(meta) - KNOWN_KEYS
    assert not unknown, f"unknown vector keys {unknown}"
    (expect,) = meta["expect"]
    want = OUTCOMES[expect]
    for src in (io.BytesIO(body), Pipe(body)):
        got, released = _run(meta, body, src)
        assert got is want, f"{name}: expected {expect}, got {got.__name__ if got else 'success'}"
        if "payload" in meta:
            assert hashlib.sha256(released).hexdigest() == meta["payload"][0]
        elif want is not age.PayloadError:
            assert released == b""


# Known answers from the age specification (C2SP age.md) itself: the identity ->
# recipient derivations, which the testkit (decryption only) does not pin down.
SPEC_X25519 = (
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX",
    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",
)
SPEC_PQ_IDENTITY = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"
SPEC_PQ_RECIPIENT_HEAD = "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5zrqtzdxz95paef"
SPEC_PQ_RECIPIENT_TAIL = "pyyzk3tlhl53k2ykx3qheyty7saeq0d3fzv49zc0k"


def test_spec_known_answers():
    (x,) = age.parse_identities(SPEC_X25519[0])
    assert str(x.recipient()) == SPEC_X25519[1]
    assert bytes(x._key.private_bytes_raw()) == b"\x42" * 32
    (pq,) = age.parse_identities(SPEC_PQ_IDENTITY)
    r = str(pq.recipient())
    assert len(r) == 1959
    assert r.startswith(SPEC_PQ_RECIPIENT_HEAD) and r.endswith(SPEC_PQ_RECIPIENT_TAIL)
    assert str(age.parse_recipients(r)[0]) == r
