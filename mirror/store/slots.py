"""Key slots, as LUKS has them: the archive's random master key, wrapped in
one small file per way to unlock it. Each slot is an age v1 file of ours
whose payload is the 32-byte master key: a passphrase slot (scrypt) or a
slot sealed to age recipients (X25519, or the ML-KEM-768 hybrid). Adding,
removing or changing a slot never touches the data; erasing every slot
makes the data noise (the master key existed nowhere else).

A slot's file says only what an age header says: which kind it is. It is
named by a random id, so a list of slots says nothing about who holds them.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from mirror.crypto import age
from mirror.crypto.age.errors import AgeError
from mirror.errors import UsageError, WrongKey
from mirror.fsutil import create_new, fsync_dir, neutral_name
from mirror.store.sealing import MASTER_KEY_SIZE

SUFFIX = ".age"
_KINDS = {"scrypt": "passphrase", "X25519": "recipient", "mlkem768x25519": "recipient (post-quantum)"}


@dataclass(frozen=True)
class Slot:
    id: str
    kind: str  # "passphrase", "recipient", "recipient (post-quantum)", or "unknown"
    path: Path

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind}


def _kind(path: Path) -> str:
    try:
        head = path.read_bytes()[:256]
    except OSError:
        return "unknown"
    for line in head.split(b"\n")[1:2]:
        if line.startswith(b"-> "):
            return _KINDS.get(line[3:].split(b" ")[0].decode("ascii", "replace"), "unknown")
    return "unknown"


def list_slots(keys_dir: Path) -> list[Slot]:
    if not keys_dir.is_dir():
        return []
    return [Slot(p.name[: -len(SUFFIX)], _kind(p), p)
            for p in sorted(keys_dir.iterdir()) if p.name.endswith(SUFFIX) and not p.name.startswith(".")]


def add(keys_dir: Path, master: bytes, *, passphrase: str | None = None,
        recipients: Iterable[str | age.Recipient] = (), work_factor: int = age.WORK_FACTOR) -> Slot:
    """Write a new slot wrapping `master` (temp, fsync, rename, fsync dir)."""
    recipients = list(recipients)
    if (passphrase is None) == (not recipients):
        raise UsageError("a key slot needs either a passphrase or recipients")
    out = io.BytesIO()
    age.encrypt(io.BytesIO(master), out, recipients=recipients, passphrase=passphrase, work_factor=work_factor)
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    import secrets  # (random, base64: only a new slot needs them)

    slot_id = secrets.token_hex(4)
    tmp = keys_dir / (neutral_name() + SUFFIX)
    create_new(tmp, out.getvalue(), "a key slot")
    final = keys_dir / (slot_id + SUFFIX)
    os.replace(tmp, final)
    fsync_dir(keys_dir)
    return Slot(slot_id, _kind(final), final)


def unwrap(keys_dir: Path, *, identities: str = "", passphrases: Iterable[str] = (),
           max_work_factor: int = 22) -> bytes:
    """The master key from the first slot the given key opens; WrongKey if none."""
    passphrases = list(passphrases)
    slots = list_slots(keys_dir)
    if not slots:
        raise WrongKey("this archive's key slots were erased: nothing can open it")
    for slot in slots:
        if passphrases and slot.kind != "passphrase" and not identities:
            continue  # a passphrase can only open a passphrase slot: skip without reading it
        if identities and not passphrases and slot.kind == "passphrase":
            continue
        out = io.BytesIO()
        try:
            with open(slot.path, "rb") as f:
                age.decrypt(f, out, identities=identities or (), passphrases=passphrases,
                            max_work_factor=max_work_factor)
        except AgeError:
            continue
        except OSError:
            continue
        master = out.getvalue()
        if len(master) == MASTER_KEY_SIZE:
            return master
    raise WrongKey("wrong passphrase or key for this archive")


def remove(keys_dir: Path, slot_id: str) -> Slot:
    slots = list_slots(keys_dir)
    match = [s for s in slots if s.id == slot_id.strip().lower()]
    if not match:
        raise UsageError(f"no key slot {slot_id!r} (see mirror key list)")
    if len(slots) == 1:
        raise UsageError("that is the archive's last key slot: removing it would make the archive"
                         " unreadable (to destroy it on purpose: mirror key erase)")
    _shred(match[0].path)
    fsync_dir(keys_dir)
    return match[0]


def erase(keys_dir: Path) -> int:
    """Overwrite and remove every slot; return how many there were."""
    slots = list_slots(keys_dir)
    for s in slots:
        _shred(s.path)
    for stray in keys_dir.iterdir() if keys_dir.is_dir() else ():
        if stray.name.startswith("."):  # a slot being written when a process died
            _shred(stray)
    if keys_dir.is_dir():
        fsync_dir(keys_dir)
    return len(slots)


def _shred(path: Path) -> None:
    """Overwrite a small file with random bytes, fsync it, then unlink it.
    (On SSDs and copy-on-write file systems the old blocks may survive: the
    README says so.)"""
    try:
        size = path.stat().st_size
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        os.write(fd, os.urandom(max(size, 1)))
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()
