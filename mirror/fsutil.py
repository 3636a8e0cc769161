"""File-system helpers shared by the archive, the bundle writers and the
commands: neutral temp names, durable renames, bounded reads of the small
text files a user names (identity, recipients, passphrase files)."""

from __future__ import annotations

import os
from typing import BinaryIO

from mirror.errors import UsageError


def neutral_name() -> str:
    """A temp name that says nothing about who made it: a dot and 12 random
    letters (`.mirror-pack-XXXX.tmp` on a courier's stick named the tool)."""
    import secrets  # (random, base64, hmac: writers only)
    import string

    return "." + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


def fsync_dir(path: "os.PathLike[str] | str") -> None:
    """Make a rename or new name in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_new(path: "os.PathLike[str] | str", data: bytes, what: str, mode: int = 0o600) -> None:
    """Create `path` holding `data`, never over an existing file (O_EXCL),
    private unless `mode` says otherwise, and durable (fsynced) before it
    returns; on failure nothing half-written is left. The one way mirror
    writes a key, a key slot's temp file or a secret."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise UsageError(f"{path} exists: refusing to overwrite {what}") from None
    except OSError as e:
        raise UsageError(f"cannot create {path}: {e.strerror}") from None
    try:
        os.fchmod(fd, mode)  # whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)


def read_text(path: str, what: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError as e:
        raise UsageError(f"cannot read {what} {path}: {e.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path} is not text") from None


def read_passphrase_file(path: str) -> str:
    text = read_text(path, "passphrase file").rstrip("\r\n")
    if not text:
        raise UsageError(f"passphrase file {path} is empty")
    return text


def write_all(f: BinaryIO, data: bytes | memoryview) -> None:
    """Write all of `data` to `f`, which may be unbuffered (a raw file can
    take less than it is given, and says so)."""
    view = memoryview(data).cast("B")
    while view:
        n = f.write(view)
        if not n:
            raise OSError("a write took nothing")
        view = view[n:]
